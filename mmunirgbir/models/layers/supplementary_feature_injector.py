# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Supplementary Feature Injector (SFI) of UniRGB-IR."""
from typing import Sequence, Tuple

import torch
import torch.nn as nn
from mmcv.cnn import build_norm_layer
from mmengine.model import BaseModule

from .multi_scale_deform_attn import MultiScaleDeformableAttention


class SupplementaryFeatureInjector(BaseModule):
    """Read the multi-modal feature pool for every ViT token.

    ``A = gamma * MSDeformAttn(query=LN(X), value=LN(F))``, where the queries
    are the ViT's patch tokens (reference points at their grid centres) and
    ``F`` is the feature pool. ``gamma`` is a per-channel scale that starts at
    ``init_gamma`` (0: training starts exactly at the frozen ViT).

    Args:
        embed_dims (int): Token channels. Defaults to 768.
        num_heads (int): Deformable attention heads. Defaults to 12.
        num_levels (int): Pool levels. Defaults to 3.
        num_points (int): Sampling points per head and level. Defaults to 4.
        value_proj_ratio (float): Value projection ratio. Defaults to 0.5.
        norm_cfg (dict): Query and feature norms. Defaults to
            ``dict(type='LN', eps=1e-6)``.
        init_gamma (float): Initial value of ``gamma``. Defaults to 0.
        init_cfg (dict, optional): Initialisation config. Defaults to None.
    """

    def __init__(self,
                 embed_dims: int = 768,
                 num_heads: int = 12,
                 num_levels: int = 3,
                 num_points: int = 4,
                 value_proj_ratio: float = 0.5,
                 norm_cfg: dict = dict(type='LN', eps=1e-6),
                 init_gamma: float = 0.,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.query_norm = build_norm_layer(norm_cfg, embed_dims)[1]
        self.feat_norm = build_norm_layer(norm_cfg, embed_dims)[1]
        self.attn = MultiScaleDeformableAttention(
            embed_dims=embed_dims,
            num_heads=num_heads,
            num_levels=num_levels,
            num_points=num_points,
            value_proj_ratio=value_proj_ratio)
        self.gamma = nn.Parameter(torch.full((embed_dims, ), init_gamma))

    def forward(self, query: torch.Tensor, reference_points: torch.Tensor,
                feat: torch.Tensor,
                spatial_shapes: Sequence[Tuple[int, int]]) -> torch.Tensor:
        """Compute the supplementary features for the tokens ``query``.

        Args:
            query (Tensor): ViT patch tokens, shape (B, N, C).
            reference_points (Tensor): Token centres, shape (1, N, 2).
            feat (Tensor): Feature pool tokens, shape (B, M, C).
            spatial_shapes (Sequence[tuple[int, int]]): (h, w) of each level.

        Returns:
            Tensor: ``gamma``-scaled features, shape (B, N, C), in the dtype
            of ``query``.
        """
        out = self.attn(
            self.query_norm(query),
            reference_points,
            self.feat_norm(feat),
            spatial_shapes,
            output_scale=self.gamma)
        return out.to(query.dtype)

    def forward_projected(self, query: torch.Tensor,
                          reference_points: torch.Tensor,
                          value_maps: Sequence[torch.Tensor]
                          ) -> torch.Tensor:
        """:meth:`forward` with the pool already normed and projected.

        Args:
            query (Tensor): ViT patch tokens, shape (B, N, C).
            reference_points (Tensor): Token centres, shape (1, N, 2).
            value_maps (Sequence[Tensor]): ``value_proj(feat_norm(F))`` of
                each level as a map, shape (B, C * value_proj_ratio, h, w),
                e.g. from :func:`folded_pool_values`.

        Returns:
            Tensor: ``gamma``-scaled features, shape (B, N, C).
        """
        out = self.attn.forward_projected(
            self.query_norm(query),
            reference_points,
            value_maps,
            output_scale=self.gamma)
        return out.to(query.dtype)
