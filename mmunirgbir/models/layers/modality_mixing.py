# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Group-wise RGB/IR mixing ("multiple perceptions") of the feature pool."""
from typing import Sequence

import torch
import torch.nn as nn
from mmengine.model import BaseModule


class MultiPerceptionMixing(BaseModule):
    """Mix RGB and IR stem features per channel group with learned weights.

    The channels are split into ``len(kernel_sizes)`` groups. Each group of
    each modality gets its own convolution (the group's kernel size, "same"
    padding, bias, no norm/activation), giving ``R_g`` and ``T_g``. One 1x1
    convolution shared by all groups predicts the mixing weight
    ``a_g = sigmoid(conv(R_g + T_g))`` and the output is
    ``concat_g(a_g * R_g + (1 - a_g) * T_g)``.

    Args:
        channels (int): Channels of each input (and of the output).
            Defaults to 64.
        kernel_sizes (Sequence[int]): Kernel size of each group's
            convolutions. Defaults to (3, 3, 5, 7).
        init_cfg (dict, optional): Initialisation config. Defaults to None.
    """

    def __init__(self,
                 channels: int = 64,
                 kernel_sizes: Sequence[int] = (3, 3, 5, 7),
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if channels % len(kernel_sizes) != 0:
            raise ValueError(f'channels ({channels}) must be divisible by the '
                             f'number of groups ({len(kernel_sizes)})')
        if any(k % 2 == 0 for k in kernel_sizes):
            raise ValueError(f'kernel_sizes must be odd, got {kernel_sizes}')
        self.group_channels = channels // len(kernel_sizes)
        g = self.group_channels
        self.rgb_convs = nn.ModuleList(
            nn.Conv2d(g, g, k, padding=k // 2) for k in kernel_sizes)
        self.ir_convs = nn.ModuleList(
            nn.Conv2d(g, g, k, padding=k // 2) for k in kernel_sizes)
        self.weight_conv = nn.Conv2d(g, g, 1)

    def forward(self, rgb: torch.Tensor, ir: torch.Tensor) -> torch.Tensor:
        """Mix two (B, C, H, W) maps into one (B, C, H, W) map."""
        mixed = []
        for conv_r, conv_t, r, t in zip(self.rgb_convs, self.ir_convs,
                                        rgb.split(self.group_channels, 1),
                                        ir.split(self.group_channels, 1)):
            r, t = conv_r(r), conv_t(t)
            alpha = torch.sigmoid(self.weight_conv(r + t))
            mixed.append(t + alpha * (r - t))
        return torch.cat(mixed, dim=1)
