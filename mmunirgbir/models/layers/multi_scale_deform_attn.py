# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Multi-scale deformable attention with a value-projection ratio."""
import math
from typing import List, Sequence, Tuple

import torch
import torch.nn as nn
from mmcv.ops.multi_scale_deform_attn import (
    MultiScaleDeformableAttnFunction, multi_scale_deformable_attn_pytorch)
from mmengine.model import BaseModule, constant_init, xavier_init


class MultiScaleDeformableAttention(BaseModule):
    """Multi-scale deformable attention (Deformable DETR) without residual.

    Unlike :class:`mmcv.ops.MultiScaleDeformableAttention`, this module adds
    no identity shortcut, works on batch-first tokens, and projects the values
    to ``embed_dims * value_proj_ratio`` channels before sampling (the
    ViT-Adapter / UniRGB-IR variant). It runs mmcv's CUDA kernel when the
    inputs live on a GPU and mmcv's pure PyTorch reference otherwise, always in
    fp32 (also under AMP), since the sampling is sensitive to fp16 rounding.

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
                value: torch.Tensor, spatial_shapes: Sequence[Tuple[int,
                                                                    int]],
                level_start_index: Sequence[int]) -> torch.Tensor:
        """Sample ``value`` around ``reference_points`` for every query.

        Args:
            query (Tensor): Queries, shape (B, Nq, C).
            reference_points (Tensor): Normalised (x, y) in [0, 1], shape
                (B or 1, Nq, 2); shared by all levels.
            value (Tensor): Flattened multi-level values, shape (B, Nv, C).
            spatial_shapes (Sequence[tuple[int, int]]): (H, W) per level.
            level_start_index (Sequence[int]): Offset of each level in Nv.

        Returns:
            Tensor: Attention output, shape (B, Nq, C).
        """
        if len(spatial_shapes) != self.num_levels:
            raise ValueError(f'expected {self.num_levels} value levels, got '
                             f'{len(spatial_shapes)}')
        with torch.autocast(device_type=query.device.type, enabled=False):
            return self._forward_fp32(query.float(), reference_points.float(),
                                      value.float(), spatial_shapes,
                                      level_start_index)

    def _forward_fp32(self, query, reference_points, value, spatial_shapes,
                      level_start_index):
        bs, num_query, _ = query.shape
        num_value = value.shape[1]
        if sum(h * w for h, w in spatial_shapes) != num_value:
            raise ValueError('spatial_shapes do not add up to the number of '
                             f'value tokens ({num_value})')
        value = self.value_proj(value).view(bs, num_value, self.num_heads,
                                            self.value_dims // self.num_heads)
        offsets = self.sampling_offsets(query).view(bs, num_query,
                                                    self.num_heads,
                                                    self.num_levels,
                                                    self.num_points, 2)
        weights = self.attention_weights(query).view(
            bs, num_query, self.num_heads,
            self.num_levels * self.num_points).softmax(-1).view(
                bs, num_query, self.num_heads, self.num_levels,
                self.num_points)
        shapes = torch.as_tensor(
            spatial_shapes, dtype=torch.long, device=query.device)
        # offsets are in pixels of each level: normalise by (W, H)
        normalizer = shapes.flip(-1).to(query.dtype)
        locations = reference_points[:, :, None, None, None, :] + \
            offsets / normalizer[None, None, None, :, None, :]
        if value.is_cuda:
            start = torch.as_tensor(
                level_start_index, dtype=torch.long, device=query.device)
            out = MultiScaleDeformableAttnFunction.apply(
                value, shapes, start, locations, weights, self.im2col_step)
        else:
            out = multi_scale_deformable_attn_pytorch(
                value, [tuple(s) for s in spatial_shapes], locations, weights)
        return self.output_proj(out)


def flatten_levels(
    feats: List[torch.Tensor]
) -> Tuple[torch.Tensor, List[Tuple[int, int]], List[int]]:
    """Flatten (B, C, H, W) maps into one (B, sum(H*W), C) token sequence.

    Returns:
        tuple: The tokens, the (H, W) of each level and each level's start
        index in the sequence.
    """
    shapes = [tuple(f.shape[-2:]) for f in feats]
    starts, total = [], 0
    for h, w in shapes:
        starts.append(total)
        total += h * w
    tokens = torch.cat([f.flatten(2).transpose(1, 2) for f in feats], dim=1)
    return tokens, shapes, starts
