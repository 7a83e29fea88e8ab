# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Multi-scale deformable attention with a value-projection ratio."""
import functools
import math
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.ops.multi_scale_deform_attn import MultiScaleDeformableAttnFunction
from mmengine.model import BaseModule, constant_init, xavier_init

from .deformable_sampling import (sample_levels, value_maps_to_tokens,
                                  value_tokens_to_maps)


@functools.lru_cache(maxsize=None)
def mmcv_cuda_kernel_available() -> bool:
    """Whether mmcv was compiled with its CUDA kernels (and CUDA is up)."""
    if not torch.cuda.is_available():
        return False
    from mmcv.ops import get_compiling_cuda_version
    return get_compiling_cuda_version() != 'not available'


class MultiScaleDeformableAttention(BaseModule):
    """Multi-scale deformable attention (Deformable DETR) without residual.

    Unlike :class:`mmcv.ops.MultiScaleDeformableAttention`, this module adds
    no identity shortcut, works on batch-first tokens, and projects the values
    to ``embed_dims * value_proj_ratio`` channels before sampling (the
    ViT-Adapter / UniRGB-IR variant). It runs mmcv's CUDA kernel when the
    inputs live on a GPU (and mmcv has it) and
    :func:`sample_levels` (pure PyTorch, equal to mmcv's
    reference) otherwise, always in fp32 (also under AMP), since the sampling
    is sensitive to fp16 rounding.

    Values that several modules project from the same features can be
    projected elsewhere and passed per level to :meth:`forward_projected`.

    Args:
        embed_dims (int): Channels of queries, values and the output.
            Defaults to 768.
        num_heads (int): Attention heads. Defaults to 12.
        num_levels (int): Feature levels sampled. Defaults to 3.
        num_points (int): Sampling points per head and level. Defaults to 4.
        value_proj_ratio (float): Ratio of the projected value channels to
            ``embed_dims``. Defaults to 0.5.
        im2col_step (int): Step of the CUDA kernel's image-to-column loop.
            Defaults to 64.
        init_cfg (dict, optional): Initialisation config. Defaults to None.
    """

    def __init__(self,
                 embed_dims: int = 768,
                 num_heads: int = 12,
                 num_levels: int = 3,
                 num_points: int = 4,
                 value_proj_ratio: float = 0.5,
                 im2col_step: int = 64,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        value_dims = int(embed_dims * value_proj_ratio)
        if value_dims % num_heads != 0:
            raise ValueError(
                f'embed_dims * value_proj_ratio ({value_dims}) must be '
                f'divisible by num_heads ({num_heads})')
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
        self.value_proj = nn.Linear(embed_dims, value_dims)
        self.output_proj = nn.Linear(value_dims, embed_dims)
        self.init_weights()

    def init_weights(self) -> None:
        """Deformable-DETR initialisation.

        Offsets start on a ring of directions per head (point ``k`` at radius
        ``k + 1``), attention weights start uniform, projections are Xavier.
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
        xavier_init(self.value_proj, distribution='uniform', bias=0.)
        xavier_init(self.output_proj, distribution='uniform', bias=0.)

    def forward(self, query: torch.Tensor, reference_points: torch.Tensor,
                value: torch.Tensor,
                spatial_shapes: Sequence[Tuple[int, int]],
                output_scale: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Sample ``value`` around ``reference_points`` for every query.

        Args:
            query (Tensor): Queries, shape (B, Nq, C).
            reference_points (Tensor): Normalised (x, y) in [0, 1], shape
                (B or 1, Nq, 2); shared by all levels.
            value (Tensor): Flattened multi-level values, shape (B, Nv, C).
            spatial_shapes (Sequence[tuple[int, int]]): (H, W) per level,
                in the order of ``value``.
            output_scale (Tensor, optional): Per-channel scale (C, ) of the
                output, folded into ``output_proj``.

        Returns:
            Tensor: Attention output, shape (B, Nq, C).
        """
        self._check_levels(spatial_shapes)
        with torch.autocast(device_type=query.device.type, enabled=False):
            maps = value_tokens_to_maps(
                self.value_proj(value.float()), spatial_shapes)
        return self.forward_projected(query, reference_points, maps,
                                      output_scale)

    def forward_projected(self, query: torch.Tensor,
                          reference_points: torch.Tensor,
                          value_maps: Sequence[torch.Tensor],
                          output_scale: Optional[torch.Tensor] = None
                          ) -> torch.Tensor:
        """Like :meth:`forward`, with values already through ``value_proj``.

        Args:
            query (Tensor): Queries, shape (B, Nq, C).
            reference_points (Tensor): Normalised (x, y), shape (B or 1, Nq,
                2).
            value_maps (Sequence[Tensor]): Projected values of each level as
                maps, shape (B, C * value_proj_ratio, h, w), contiguous.
            output_scale (Tensor, optional): Per-channel scale (C, ) of the
                output, folded into ``output_proj``.

        Returns:
            Tensor: Attention output, shape (B, Nq, C).
        """
        self._check_levels(value_maps)
        with torch.autocast(device_type=query.device.type, enabled=False):
            return self._attend(query.float(), reference_points.float(),
                                [v.float() for v in value_maps],
                                output_scale)

    @staticmethod
    def uses_cuda_kernel(query: torch.Tensor) -> bool:
        """Whether ``query``'s device runs mmcv's CUDA kernel."""
        return query.is_cuda and mmcv_cuda_kernel_available()

    def _check_levels(self, levels) -> None:
        if len(levels) != self.num_levels:
            raise ValueError(f'expected {self.num_levels} value levels, got '
                             f'{len(levels)}')

    def _attend(self, query, reference_points, value_maps, output_scale):
        bs, num_query, _ = query.shape
        heads, levels, points = (self.num_heads, self.num_levels,
                                 self.num_points)
        shapes = torch.as_tensor([tuple(m.shape[-2:]) for m in value_maps],
                                 dtype=torch.long,
                                 device=query.device)
        # offsets are in pixels of each level: normalise by (W, H); the
        # PyTorch path wants grid_sample's [-1, 1] grid, twice as wide
        use_cuda_kernel = self.uses_cuda_kernel(query)
        scale = (1.0 if use_cuda_kernel else 2.0) / shapes.flip(-1).to(
            query.dtype)  # (L, 2)
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


def flatten_levels(
        feats: List[torch.Tensor]
) -> Tuple[torch.Tensor, List[Tuple[int, int]]]:
    """Flatten (B, C, H, W) maps into one (B, sum(H*W), C) token sequence.

    Returns:
        tuple: The tokens and the (H, W) of each level.
    """
    shapes = [tuple(f.shape[-2:]) for f in feats]
    tokens = torch.cat([f.flatten(2).transpose(1, 2) for f in feats], dim=1)
    return tokens, shapes
