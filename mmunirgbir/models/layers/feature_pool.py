# Copyright (c) mmunirgbir contributors. All rights reserved.
"""The multi-modal feature pool, kept in a factored form.

Literally, the pool token of level ``l`` is ``F = P_l x + d_l`` (the 1x1
projection of a c_l-channel pyramid feature ``x`` to C channels, plus its
bias and the level embedding ``d_l``). The pool keeps what any LayerNorm
reading of it needs and never forms the C-channel tokens: because ``F`` is
affine in ``x``, the norm's centring moves into the projection
(``[P~ | d~] = [P_l | d_l]`` minus its column means), and

    F - mean(F) = [P~ | d~] [x; 1],    std^2 = |[P~ | d~] [x; 1]|^2 / C + eps

``std^2`` is a quadratic form in ``[x; 1]`` with a (c_l + 1)^2 Gram matrix,
evaluated in float64 so that no cancellation between its terms shows. A
reader (:class:`SupplementaryFeatureInjector`) folds its own norm and
projection into that.
"""
from typing import List, NamedTuple, Optional, Sequence, Tuple

import torch
from torch import Tensor


class PoolLevel(NamedTuple):
    """One level of the pool: ``tokens`` ``[x | 1]`` (B * h * w, c + 1),
    ``variance`` of the centred C-channel pool tokens (B * h * w, ),
    ``projection`` ``[P~ | d~]`` (C, c + 1) and the map ``shape`` (B, h, w).
    """
    tokens: Tensor
    variance: Tensor
    projection: Tensor
    shape: Tuple[int, int, int]


class FeaturePool:
    """The token pool of :class:`MultiModalFeaturePool`, one entry per level.

    Args:
        feats (Sequence[Tensor]): Pyramid features before the projections,
            each (B, c_l, h_l, w_l).
        weights (Sequence[Tensor]): 1x1 projection weights, (C, c_l, 1, 1).
        biases (Sequence[Tensor]): Projection biases plus the level
            embedding, (C, ).
        ir_shift (Tensor, optional): Where the pool found the IR content
            against the RGB content before fusing them, (B, 2) as (dx, dy)
            in input-image pixels (:class:`ModalityAlignment`); None when
            the pool does not align. Defaults to None.
    """

    def __init__(self, feats: Sequence[Tensor], weights: Sequence[Tensor],
                 biases: Sequence[Tensor],
                 ir_shift: Optional[Tensor] = None) -> None:
        self.ir_shift = ir_shift
        self.levels: List[PoolLevel] = []
        for x, weight, bias in zip(feats, weights, biases):
            bs, _, h, w = x.shape
            proj = torch.cat([weight.flatten(1), bias[:, None]], 1)
            proj = proj - proj.mean(0, keepdim=True)  # (C, c + 1)
            tokens = x.flatten(2).transpose(1, 2).reshape(bs * h * w, -1)
            tokens = torch.cat([tokens, tokens.new_ones(bs * h * w, 1)], 1)
            tokens64, proj64 = tokens.double(), proj.double()
            variance = ((tokens64 @ (proj64.t() @ proj64)) *
                        tokens64).sum(-1) / proj.shape[0]
            self.levels.append(
                PoolLevel(tokens, variance.clamp(min=0).float(), proj,
                          (bs, h, w)))
        self._normalized = {}  # eps -> per level [x / std | 1 / std | 1]

    def repeat(self, times: int) -> 'FeaturePool':
        """The pool of the batch repeated ``times`` times (images ``i``,
        ``B + i``, ... share one entry): for a ViT that runs several streams
        of the same images as one batch."""
        pool = FeaturePool.__new__(FeaturePool)
        pool.levels = [
            PoolLevel(level.tokens.repeat(times, 1),
                      level.variance.repeat(times), level.projection,
                      (level.shape[0] * times, ) + level.shape[1:])
            for level in self.levels
        ]
        pool._normalized = {}
        pool.ir_shift = None if self.ir_shift is None else \
            self.ir_shift.repeat(times, 1)
        return pool

    def normalized_tokens(self, eps: float) -> List[Tensor]:
        """``[x / std | 1 / std | 1]`` of every level, as (B, c + 2, h * w)
        views; computed once per ``eps`` (the readers' norms share one)."""
        if eps not in self._normalized:
            out = []
            for level in self.levels:
                bs, h, w = level.shape
                inv_std = torch.rsqrt(level.variance + eps)[:, None]
                out.append(
                    torch.cat([
                        level.tokens * inv_std,
                        inv_std.new_ones(bs * h * w, 1)
                    ], 1).view(bs, h * w, -1).transpose(1, 2))
            self._normalized[eps] = out
        return self._normalized[eps]
