# Copyright (c) mmunirgbir contributors. All rights reserved.
"""The injectors' values, computed straight from the pyramid features.

Literally, every injector ``i`` reads the feature pool through its own
LayerNorm and value projection::

    F_l   = P_l x + p_l + e_l                  (1x1 projection to C, level
                                                embedding), per level l
    v_i   = W_i LN_i(F_l) + b_i,   LN_i(F) = (F - mean) / std * g_i + beta_i

with ``x`` the c_l-channel pyramid feature (c_l = 128 or 256), C = 768 and
``W_i`` (C/2, C). Because the projection is affine, the norm's centring can
be moved into its weights (``P~ = P_l - colmean(P_l)``,
``d~ = d_l - mean(d_l)`` with ``d_l = p_l + e_l``) and everything except the
per-token ``1 / std`` folds into one small matrix per level::

    F_l - mean = P~ x + d~,    std = sqrt(mean((P~ x + d~)^2) + eps)
    v_i = ((W_i g_i) P~ x + (W_i g_i) d~) / std + W_i beta_i + b_i

and ``mean((P~ x + d~)^2)`` is a quadratic form in ``[x | 1]`` with a
(c_l + 1)^2 Gram matrix (evaluated in float64, so no cancellation between
its terms shows). Each token then costs one (4 * C/2) x (c_l + 1) product for
all four injectors instead of a C x c_l projection, four norms and four
(C/2) x C products: about 6x fewer operations per token for the reference
model (3x at batch 1, counting the per-level folding), and the 768-channel
pool is never formed. The result equals the literal
formulation up to float rounding, and gradients reach every parameter
involved.
"""
import collections.abc
from typing import List, Sequence

import torch


def folded_pool_values(feats: Sequence[torch.Tensor],
                       proj_weights: Sequence[torch.Tensor],
                       proj_biases: Sequence[torch.Tensor],
                       level_embed: torch.Tensor,
                       norm_weights: Sequence[torch.Tensor],
                       norm_biases: Sequence[torch.Tensor],
                       value_weights: Sequence[torch.Tensor],
                       value_biases: Sequence[torch.Tensor],
                       eps: float) -> 'FoldedPoolValues':
    """Values of every injector for every pool level.

    Args:
        feats (Sequence[Tensor]): Pyramid features before the 1x1
            projections, each (B, c_l, h_l, w_l).
        proj_weights (Sequence[Tensor]): 1x1 projection weights, (C, c_l, 1,
            1) or (C, c_l).
        proj_biases (Sequence[Tensor]): Projection biases, (C, ).
        level_embed (Tensor): Level embedding, (L, C).
        norm_weights (Sequence[Tensor]): Each injector's feature-norm weight,
            (C, ).
        norm_biases (Sequence[Tensor]): Each injector's feature-norm bias.
        value_weights (Sequence[Tensor]): Each injector's value projection
            weight, (V, C).
        value_biases (Sequence[Tensor]): Each injector's value projection
            bias, (V, ).
        eps (float): The feature norms' epsilon (shared).

    Returns:
        FoldedPoolValues: ``values[i][l]`` of shape (B, V, h_l, w_l)
        (contiguous) is the value map of injector ``i`` at level ``l``,
        computed when ``values[i]`` is read.
    """
    value_dims = value_weights[0].shape[0]
    embed_dims = value_weights[0].shape[1]
    # the injectors' norm scales folded into their value projections
    scaled = torch.cat(
        [w * g for w, g in zip(value_weights, norm_weights)])  # (n*V, C)
    shift = torch.cat([
        w @ beta + b
        for w, beta, b in zip(value_weights, norm_biases, value_biases)
    ])  # (n*V, )
    factors = []
    for lvl, x in enumerate(feats):
        bs, _, h, w = x.shape
        # [P~ | d~]: the centred projection with its bias as a last column
        proj = proj_weights[lvl].flatten(1)
        bias = proj_biases[lvl] + level_embed[lvl]
        aug = torch.cat([proj, bias[:, None]], 1)
        aug = aug - aug.mean(0, keepdim=True)  # (C, c_l + 1)
        # tokens with a constant 1 appended: [x | 1], (B * h * w, c_l + 1)
        tokens = x.flatten(2).transpose(1, 2).reshape(bs * h * w, -1)
        tokens = torch.cat([tokens, tokens.new_ones(bs * h * w, 1)], 1)
        # variance over the C channels = |[P~ | d~] z|^2 / C, a quadratic
        # form with a (c_l + 1)^2 Gram matrix; float64 so that no
        # cancellation between its terms can show
        aug64, tokens64 = aug.double(), tokens.double()
        var = ((tokens64 @ (aug64.t() @ aug64)) * tokens64).sum(-1) / embed_dims
        inv_std = torch.rsqrt(var.clamp(min=0).float() + eps)[:, None]
        # values = inv_std * [x | 1] @ (scaled @ [P~ | d~])^T + shift, as one
        # product: [inv_std * [x | 1] | 1] @ [scaled @ [P~ | d~] | shift]^T,
        # per injector, written channels-first: (B, V, h*w) is its map
        lhs = torch.cat([tokens * inv_std, inv_std.new_ones(bs * h * w, 1)],
                        1).view(bs, h * w, -1).transpose(1, 2)
        rhs = torch.cat([scaled @ aug, shift[:, None]], 1)
        factors.append((lhs, rhs, (bs, -1, h, w)))
    return FoldedPoolValues(factors, value_dims)


class FoldedPoolValues(collections.abc.Sequence):
    """Each injector's value maps, computed when that injector asks.

    Only the small per-level factors are kept, so the four injectors'
    values (about 40 MB for the reference model at 640x512) never live at
    the same time during inference.

    Args:
        factors (list[tuple]): Per level, ``(lhs, rhs, map_shape)`` with the
            injector values ``rhs[i * V:(i + 1) * V] @ lhs``.
        value_dims (int): ``V``, the value channels of one injector.
    """

    def __init__(self, factors: list, value_dims: int) -> None:
        self._factors = factors
        self._value_dims = value_dims
        self._len = factors[0][1].shape[0] // value_dims

    def __len__(self) -> int:
        return self._len

    def __getitem__(self, index: int) -> List[torch.Tensor]:
        if not -self._len <= index < self._len:
            raise IndexError(index)
        start = (index % self._len) * self._value_dims
        return [
            torch.matmul(rhs[start:start + self._value_dims], lhs).view(shape)
            for lhs, rhs, shape in self._factors
        ]
