# Copyright (c) mmunirgbir contributors. All rights reserved.
"""The UniRGB-IR adapter written out literally: the reference of the tests.

The package reads the feature pool in a folded form
(:class:`mmunirgbir.models.layers.FeaturePool`) and samples it with its own
arrangement of the deformable attention. Here every step is written as the
paper and Deformable DETR define it, with mmcv's PyTorch reference of the
sampling: 1x1 projections plus level embedding, one flattened C-channel
token pool, per injector LayerNorm and value projection, then the attention.
"""
from contextlib import ExitStack
from typing import List, Tuple
from unittest.mock import patch

import torch
from mmcv.ops.multi_scale_deform_attn import \
    multi_scale_deformable_attn_pytorch


def literal_pool(mfp, rgb: torch.Tensor,
                 ir: torch.Tensor) -> Tuple[torch.Tensor, List[tuple]]:
    """The MFP's C-channel token pool (B, N, C) and its level shapes."""
    levels = [
        proj(f) + embed.view(1, -1, 1, 1) for proj, f, embed in zip(
            mfp.projections, mfp.forward_pyramid(rgb, ir)[0], mfp.level_embed)
    ]
    shapes = [tuple(level.shape[-2:]) for level in levels]
    return torch.cat([f.flatten(2).transpose(1, 2) for f in levels], 1), shapes


def literal_attention(attn, query, ref_points, value, shapes, scale=None):
    """Deformable DETR attention on projected value tokens (B, Nv, V)."""
    bs, nq, _ = query.shape
    heads, levels, points = attn.num_heads, attn.num_levels, attn.num_points
    v = value.view(bs, value.shape[1], heads, -1)
    off = attn.sampling_offsets(query).view(bs, nq, heads, levels, points, 2)
    w = attn.attention_weights(query).view(bs, nq, heads, levels * points)
    w = w.softmax(-1).view(bs, nq, heads, levels, points)
    norm = torch.tensor(
        shapes, dtype=torch.float32, device=query.device).flip(-1)
    loc = ref_points[:, :, None, None, None, :] + \
        off / norm[None, None, None, :, None, :]
    out = attn.output_proj(multi_scale_deformable_attn_pytorch(
        v, shapes, loc, w))
    return out if scale is None else out * scale


def literal_injector(injector, query, ref_points, pool, shapes):
    """``gamma * MSDeformAttn(LN(X), value_proj(LN(F)))``."""
    value = injector.value_proj(injector.feat_norm(pool))
    return literal_attention(injector.attn, injector.query_norm(query),
                             ref_points, value, shapes, injector.gamma)


def literal_backbone(model, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
    """``UniRGBIRViT.forward`` with the literal pool and injector reads
    swapped in for the folded ones (the stage loop is the model's own)."""

    def pool(rgb, ir):
        return literal_pool(model.mfp, rgb, ir)

    def injector_forward(injector):
        return lambda query, ref, pool: literal_injector(
            injector, query, ref, *pool)

    with ExitStack() as stack:
        stack.enter_context(patch.object(model.mfp, 'forward', pool))
        for injector in model.injectors:
            stack.enter_context(
                patch.object(injector, 'forward',
                             injector_forward(injector)))
        return model(x)


def multi_scale_deformable_sampling(value: torch.Tensor,
                                    spatial_shapes: List[Tuple[int, int]],
                                    sampling_locations: torch.Tensor,
                                    attention_weights: torch.Tensor
                                    ) -> torch.Tensor:
    """The package's sampling (:func:`sample_levels`) with the arguments
    and result of mmcv's ``multi_scale_deformable_attn_pytorch``: value
    tokens (B, Nv, heads, D), locations (B, Nq, heads, L, P, 2) in [0, 1],
    weights (B, Nq, heads, L, P) -> (B, Nq, heads * D)."""
    from mmunirgbir.models.layers import sample_levels
    bs, nq, heads, levels, points, _ = sampling_locations.shape
    flat = value.flatten(2)
    sizes = [int(h) * int(w) for h, w in spatial_shapes]
    maps = [
        level.transpose(1, 2).reshape(bs, flat.shape[2], int(h), int(w))
        for level, (h, w) in zip(flat.split(sizes, 1), spatial_shapes)
    ]
    grids = (2 * sampling_locations - 1).permute(0, 2, 3, 4, 1, 5).reshape(
        bs * heads, levels, points, nq, 2)
    weights = attention_weights.permute(0, 2, 3, 4, 1).reshape(
        bs * heads, 1, levels, points, nq)
    return sample_levels(maps, grids, weights, heads)
