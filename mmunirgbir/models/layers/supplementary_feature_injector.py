# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Supplementary Feature Injector (SFI) of UniRGB-IR."""
import re
from typing import List

import torch
import torch.nn as nn
from mmcv.cnn import build_norm_layer
from mmengine.model import BaseModule, xavier_init

from .feature_pool import FeaturePool
from .value_map_deformable_attention import ValueMapDeformableAttention


class SupplementaryFeatureInjector(BaseModule):
    """Read the multi-modal feature pool for every ViT token.

    ``A = gamma * MSDeformAttn(query=LN(X), value=value_proj(LN(F)))``, where
    the queries are the ViT's patch tokens (reference points at their grid
    centres) and ``F`` is the feature pool. The injector owns its value path
    (``feat_norm``, ``value_proj``) and computes it on the pool's factored
    form (:meth:`read_pool`), both folded into one small product per level.
    ``gamma`` is a per-channel scale that starts at ``init_gamma``
    (0: training starts exactly at the frozen ViT).

    Args:
        embed_dims (int): Token channels. Defaults to 768.
        num_heads (int): Deformable attention heads. Defaults to 12.
        num_levels (int): Pool levels. Defaults to 3.
        num_points (int): Sampling points per head and level. Defaults to 4.
        value_proj_ratio (float): Value channels relative to ``embed_dims``.
            Defaults to 0.5.
        norm_cfg (dict): Query and feature norms: a LayerNorm (its algebra
            is what :meth:`read_pool` folds; other norms are refused).
            Defaults to ``dict(type='LN', eps=1e-6)``.
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
        value_dims = int(embed_dims * value_proj_ratio)
        self.query_norm = build_norm_layer(norm_cfg, embed_dims)[1]
        self.feat_norm = build_norm_layer(norm_cfg, embed_dims)[1]
        if type(self.feat_norm) is not nn.LayerNorm:
            raise ValueError(
                'SupplementaryFeatureInjector reads the pool through a folded '
                f'LayerNorm; norm_cfg {norm_cfg} builds a '
                f'{type(self.feat_norm).__name__}, which it cannot fold')
        self.value_proj = nn.Linear(embed_dims, value_dims)
        xavier_init(self.value_proj, distribution='uniform', bias=0.)
        self.attn = ValueMapDeformableAttention(
            embed_dims=embed_dims,
            value_dims=value_dims,
            num_heads=num_heads,
            num_levels=num_levels,
            num_points=num_points)
        self.gamma = nn.Parameter(torch.full((embed_dims, ), init_gamma))
        self._register_load_state_dict_pre_hook(_rename_legacy_keys)

    def read_pool(self, pool: FeaturePool) -> List[torch.Tensor]:
        """``value_proj(feat_norm(F))`` of every level of the pool ``F``,
        as maps.

        With ``W``, ``b`` the value projection, ``g``, ``beta`` the norm's
        affine and ``[P~ | d~] [x; 1] / std`` the pool's normalised tokens
        (:class:`FeaturePool`)::

            v = ((W g) [P~ | d~] [x; 1]) / std + W beta + b

        A token costs one (V x (c + 2)) product instead of a C x c
        projection, a norm and a V x C product.

        Returns:
            list[Tensor]: One contiguous (B, V, h, w) map per level.
        """
        norm, proj = self.feat_norm, self.value_proj
        scaled = proj.weight * norm.weight  # W g, (V, C)
        shift = proj.weight @ norm.bias + proj.bias  # (V, )
        maps = []
        for level, lhs in zip(pool.levels, pool.normalized_tokens(norm.eps)):
            bs, h, w = level.shape
            # [inv_std * [x | 1] | 1] @ [(W g) [P~ | d~] | shift]^T, written
            # channels-first: (B, V, h * w) is the map
            rhs = torch.cat([scaled @ level.projection, shift[:, None]], 1)
            maps.append(torch.matmul(rhs, lhs).view(bs, -1, h, w))
        return maps

    def forward(self, query: torch.Tensor, reference_points: torch.Tensor,
                pool: FeaturePool) -> torch.Tensor:
        """Compute the supplementary features for the tokens ``query``.

        Args:
            query (Tensor): ViT patch tokens, shape (B, N, C).
            reference_points (Tensor): Token centres, shape (1, N, 2).
            pool (FeaturePool): The multi-modal feature pool.

        Returns:
            Tensor: ``gamma``-scaled features, shape (B, N, C), in the dtype
            of ``query``.
        """
        with torch.autocast(device_type=query.device.type, enabled=False):
            values = self.read_pool(pool)
        out = self.attn(
            self.query_norm(query),
            reference_points,
            values,
            output_scale=self.gamma)
        return out.to(query.dtype)


def _rename_legacy_keys(state_dict, prefix, *args) -> None:
    """Checkpoints before 0.2 kept the value projection in ``attn``."""
    legacy = re.compile('^' + re.escape(prefix) + r'attn\.value_proj\.')
    for key in [k for k in state_dict if legacy.match(k)]:
        state_dict[legacy.sub(prefix + 'value_proj.', key)] = state_dict.pop(
            key)
