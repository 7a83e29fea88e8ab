# Copyright (c) mmunirgbir contributors. All rights reserved.
"""ViTDet-style window attention for the blocks of a timm ViT."""
from typing import Tuple

import torch
import torch.nn as nn
from timm.models.vision_transformer_sam import (window_partition,
                                                window_unpartition)

#: attributes of ``timm.models.vision_transformer.Block`` the helper needs
BLOCK_ATTRS = ('norm1', 'attn', 'ls1', 'drop_path1', 'norm2', 'mlp', 'ls2',
               'drop_path2')


def windowed_block_forward(block: nn.Module, x: torch.Tensor,
                           hw: Tuple[int, int], window: int) -> torch.Tensor:
    """Run a timm ViT ``Block`` with its attention restricted to windows.

    The windows (zero-padded at the bottom/right) are timm's ViTDet/SAM
    partition.

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
    y = block.attn(y.flatten(1, 2)).view(-1, window, window, c)
    y = window_unpartition(y, window, hw, padded).view(b, n, c)
    x = x + block.drop_path1(block.ls1(y))
    return x + block.drop_path2(block.ls2(block.mlp(block.norm2(x))))
