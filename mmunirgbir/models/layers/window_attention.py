# Copyright (c) mmunirgbir contributors. All rights reserved.
"""ViTDet-style window attention for the blocks of a timm ViT."""
from typing import Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

#: attributes of ``timm.models.vision_transformer.Block`` the helper needs
BLOCK_ATTRS = ('norm1', 'attn', 'ls1', 'drop_path1', 'norm2', 'mlp', 'ls2',
               'drop_path2')


def window_partition(x: torch.Tensor,
                     window: int) -> Tuple[torch.Tensor, Tuple[int, int]]:
    """Zero-pad (B, H, W, C) to multiples of ``window`` and cut windows.

    Returns:
        tuple: Windows of shape (B * nW, window * window, C) and the padded
        (H, W).
    """
    b, h, w, c = x.shape
    ph, pw = (-h) % window, (-w) % window
    if ph or pw:
        x = F.pad(x, (0, 0, 0, pw, 0, ph))
    hp, wp = h + ph, w + pw
    x = x.view(b, hp // window, window, wp // window, window, c)
    return x.permute(0, 1, 3, 2, 4, 5).reshape(-1, window * window,
                                               c), (hp, wp)


def window_unpartition(windows: torch.Tensor, window: int,
                       padded_hw: Tuple[int, int],
                       hw: Tuple[int, int]) -> torch.Tensor:
    """Inverse of :func:`window_partition`; returns (B, H, W, C)."""
    hp, wp = padded_hw
    h, w = hw
    c = windows.shape[-1]
    b = windows.shape[0] // ((hp // window) * (wp // window))
    x = windows.view(b, hp // window, wp // window, window, window, c)
    x = x.permute(0, 1, 3, 2, 4, 5).reshape(b, hp, wp, c)
    return x[:, :h, :w].contiguous()


def windowed_block_forward(block: nn.Module, x: torch.Tensor,
                           hw: Tuple[int, int], window: int) -> torch.Tensor:
    """Run a timm ViT ``Block`` with its attention restricted to windows.

    Args:
        block (nn.Module): A ``timm`` ViT block (pre-norm, with layer scale).
        x (Tensor): Patch tokens (no prefix tokens), shape (B, H*W, C).
        hw (tuple[int, int]): The token grid (H, W).
        window (int): Window side in tokens.

    Returns:
        Tensor: The block's output, shape (B, H*W, C).
    """
    b, n, c = x.shape
    y, padded = window_partition(block.norm1(x).view(b, *hw, c), window)
    y = window_unpartition(block.attn(y), window, padded, hw).view(b, n, c)
    x = x + block.drop_path1(block.ls1(y))
    return x + block.drop_path2(block.ls2(block.mlp(block.norm2(x))))
