# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Deformable attention over projected value maps (not mmcv's module of
the same algorithm: no shortcut, values arrive projected, as maps)."""
import functools
import math
from typing import Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.ops.multi_scale_deform_attn import MultiScaleDeformableAttnFunction
from mmengine.model import BaseModule, constant_init, xavier_init

from .deformable_sampling import sample_levels, value_maps_to_tokens


@functools.lru_cache(maxsize=None)
def mmcv_cuda_kernel_available() -> bool:
    """Whether mmcv was compiled with its CUDA kernels (and CUDA is up)."""
    if not torch.cuda.is_available():
        return False
    from mmcv.ops import get_compiling_cuda_version
    return get_compiling_cuda_version() != 'not available'


class ValueMapDeformableAttention(BaseModule):
    """Multi-scale deformable attention (Deformable DETR) over value maps.

    Every query samples ``num_points`` locations per head and level around
    its reference point and sums them with softmax weights; offsets and
    weights come from the query. Unlike
    :class:`mmcv.ops.MultiScaleDeformableAttention`, this module adds no
    identity shortcut, works on batch-first tokens and takes the values
    already projected, as (B, value_dims, h, w) maps per level: their
    projection belongs to the module that owns the values (in UniRGB-IR the
    :class:`SupplementaryFeatureInjector`, which folds it into its read of
    the feature pool). It runs mmcv's CUDA kernel when the inputs live on a
    GPU (and mmcv has it) and :func:`sample_levels` (pure PyTorch, equal to
    mmcv's reference) otherwise, always in fp32 (also under AMP), since the
    sampling is sensitive to fp16 rounding.

    Args:
        embed_dims (int): Channels of the queries and the output.
            Defaults to 768.
        value_dims (int): Channels of the value maps. Defaults to 384.
        num_heads (int): Attention heads. Defaults to 12.
        num_levels (int): Feature levels sampled. Defaults to 3.
        num_points (int): Sampling points per head and level. Defaults to 4.
        im2col_step (int): Step of the CUDA kernel's image-to-column loop.
            Defaults to 64.
        init_cfg (dict, optional): Initialisation config. Defaults to None.
    """

    def __init__(self,
                 embed_dims: int = 768,
                 value_dims: int = 384,
                 num_heads: int = 12,
                 num_levels: int = 3,
                 num_points: int = 4,
                 im2col_step: int = 64,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if value_dims % num_heads != 0:
            raise ValueError(f'value_dims ({value_dims}) must be divisible '
                             f'by num_heads ({num_heads})')
        self.embed_dims = embed_dims
        self.num_heads = num_heads
        self.num_levels = num_levels
        self.num_points = num_points
        self.value_dims = value_dims
        self.im2col_step = im2col_step
        self.sampling_offsets = nn.Linear(
            embed_dims, num_heads * num_levels * num_points * 2)
        self.attention_weights = nn.Linear(embed_dims,
                                           num_heads * num_levels * num_points)
        self.output_proj = nn.Linear(value_dims, embed_dims)
        self.init_weights()

    def init_weights(self) -> None:
        """Deformable-DETR initialisation.

        Offsets start on a ring of directions per head (point ``k`` at radius
        ``k + 1``), attention weights start uniform, the output projection is
        Xavier.
        """
        constant_init(self.sampling_offsets, 0.)
        thetas = torch.arange(
            self.num_heads, dtype=torch.float32) * (2.0 * math.pi /
                                                    self.num_heads)
        grid = torch.stack([thetas.cos(), thetas.sin()], -1)
        grid = (grid / grid.abs().max(-1, keepdim=True)[0]).view(
            self.num_heads, 1, 1, 2).repeat(1, self.num_levels,
                                            self.num_points, 1)
        for i in range(self.num_points):
            grid[:, :, i, :] *= i + 1
        with torch.no_grad():
            self.sampling_offsets.bias.copy_(grid.view(-1))
        constant_init(self.attention_weights, val=0., bias=0.)
        xavier_init(self.output_proj, distribution='uniform', bias=0.)

    def forward(self, query: torch.Tensor, reference_points: torch.Tensor,
                value_maps: Sequence[torch.Tensor],
                output_scale: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Sample the value maps around ``reference_points`` for every query.

        Args:
            query (Tensor): Queries, shape (B, Nq, C).
            reference_points (Tensor): Normalised (x, y) in [0, 1], shape
                (B or 1, Nq, 2); shared by all levels.
            value_maps (Sequence[Tensor]): Projected values of each level as
                maps, shape (B, value_dims, h, w), contiguous.
            output_scale (Tensor, optional): Per-channel scale (C, ) of the
                output, folded into ``output_proj``.

        Returns:
            Tensor: Attention output, shape (B, Nq, C), fp32.
        """
        if len(value_maps) != self.num_levels:
            raise ValueError(f'expected {self.num_levels} value levels, got '
                             f'{len(value_maps)}')
        with torch.autocast(device_type=query.device.type, enabled=False):
            return self._attend(query.float(), reference_points.float(),
                                [v.float() for v in value_maps],
                                output_scale)

    def mean_sampling_offset(self, query: torch.Tensor,
                             value_maps: Sequence[torch.Tensor]
                             ) -> torch.Tensor:
        """Where each query looks, on average: the attention-weighted mean
        of its sampling offsets over heads, levels and points, as a
        fraction of the image's width and height (multiply by the input's
        size for pixels). An analysis aid (e.g. does the attention follow a
        misregistered modality?); the forward does not use it.

        Args:
            query (Tensor): Queries, shape (B, Nq, C).
            value_maps (Sequence[Tensor]): The value maps the forward reads
                (only their sizes are used).

        Returns:
            Tensor: (B, Nq, 2) mean offsets (x, y).
        """
        bs, num_query, _ = query.shape
        heads, levels, points = (self.num_heads, self.num_levels,
                                 self.num_points)
        sizes = query.new_tensor([[m.shape[-1], m.shape[-2]]
                                  for m in value_maps])  # (L, 2): (w, h)
        offsets = self.sampling_offsets(query.float()).view(
            bs, num_query, heads, levels, points, 2) / sizes[:, None, :]
        weights = self.attention_weights(query.float()).view(
            bs, num_query, heads, levels * points).softmax(-1).view(
                bs, num_query, heads, levels, points, 1)
        return (offsets * weights).sum((2, 3, 4)) / heads

    @staticmethod
    def uses_cuda_kernel(query: torch.Tensor) -> bool:
        """Whether ``query``'s device runs mmcv's CUDA kernel."""
        return query.is_cuda and mmcv_cuda_kernel_available()

    def _attend(self, query, reference_points, value_maps, output_scale):
        bs, num_query, _ = query.shape
        heads, levels, points = (self.num_heads, self.num_levels,
                                 self.num_points)
        # offsets are in pixels of each level: normalise by (W, H); the
        # PyTorch path wants grid_sample's [-1, 1] grid, twice as wide
        use_cuda_kernel = self.uses_cuda_kernel(query)
        if use_cuda_kernel:
            shapes = torch.as_tensor(
                [tuple(m.shape[-2:]) for m in value_maps],
                dtype=torch.long,
                device=query.device)
            scale = 1.0 / shapes.flip(-1).to(query.dtype)  # (L, 2)
        else:  # sizes as tensor arithmetic: symbolic in an ONNX export
            one = query.new_ones(())
            scale = 2.0 / torch.stack([
                torch.stack([one * m.shape[-1], one * m.shape[-2]])
                for m in value_maps
            ])
        scale = scale[None, :, None, :].expand(heads, levels, points,
                                               2).reshape(-1)
        # offsets and attention logits from one matrix product
        num_offsets = heads * levels * points * 2
        both = F.linear(
            query,
            torch.cat([
                self.sampling_offsets.weight * scale[:, None],
                self.attention_weights.weight
            ]),
            torch.cat(
                [self.sampling_offsets.bias * scale,
                 self.attention_weights.bias]))
        offsets = both[..., :num_offsets].view(bs, num_query, heads, levels,
                                               points, 2)
        logits = both[..., num_offsets:].view(bs, num_query, heads,
                                              levels * points)
        ref = reference_points[:, :, None, None, None, :]
        if use_cuda_kernel:
            starts = torch.cat([shapes.new_zeros(1),
                                shapes.prod(1).cumsum(0)[:-1]])
            weights = logits.softmax(-1).view(bs, num_query, heads, levels,
                                              points)
            out = MultiScaleDeformableAttnFunction.apply(
                value_maps_to_tokens(value_maps, heads), shapes, starts,
                ref + offsets, weights, self.im2col_step)
        else:
            # (B * heads, L, P, Nq, ...) layouts; the softmax runs along a
            # non-last axis, which vectorises over the queries
            grids = (offsets + (2 * ref - 1)).permute(0, 2, 3, 4, 1, 5).reshape(
                bs * heads, levels, points, num_query, 2)
            weights = logits.permute(0, 2, 3, 1).softmax(2).reshape(
                bs * heads, 1, levels, points, num_query)
            out = sample_levels(value_maps, grids, weights, heads)
        if output_scale is None:
            return self.output_proj(out)
        scale = output_scale.float()
        return F.linear(out, self.output_proj.weight * scale[:, None],
                        self.output_proj.bias * scale)

