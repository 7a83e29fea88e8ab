# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Blend the output maps of the RGB and the IR stream of one frozen ViT."""
import torch
import torch.nn as nn
from mmengine.model import BaseModule


class StreamFusion(BaseModule):
    """``out = z * rgb + (1 - z) * ir`` with a gate per position and channel.

    ``z = sigmoid(W [rgb; ir] + b)`` is a 1x1 convolution over the two
    streams' maps, so each location can lean on the stream that sees it
    (e.g. IR where the RGB image is dark). ``W`` and ``b`` start at 0: the
    untrained fusion is the mean of the two streams.

    Args:
        embed_dims (int): Channels of each stream's map. Defaults to 768.
        init_cfg (dict, optional): Initialisation config. Defaults to None.
    """

    def __init__(self, embed_dims: int = 768, init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.gate = nn.Conv2d(2 * embed_dims, embed_dims, 1)
        nn.init.zeros_(self.gate.weight)
        nn.init.zeros_(self.gate.bias)

    def forward(self, rgb: torch.Tensor, ir: torch.Tensor) -> torch.Tensor:
        """Blend two (B, C, H, W) maps into one."""
        z = torch.sigmoid(self.gate(torch.cat([rgb, ir], dim=1)))
        return torch.lerp(ir, rgb, z.to(ir.dtype))
