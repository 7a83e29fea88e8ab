# Copyright (c) mmunirgbir contributors. All rights reserved.
"""The RGB-IR preprocessing as a graph: raw camera pixels in, model input out.
"""
from typing import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

#: grey-level weights of an RGB-ordered 3-channel IR image (ITU-R BT.601, as
#: ``cv2.COLOR_BGR2GRAY``, which ``LoadRGBIRImagePair`` applies); row
#: ``C - 1`` holds the weights of a C-channel image (1: identity)
_IR_GREY = ((1., 0., 0.), (0., 0., 0.), (0.299, 0.587, 0.114))


class RawRGBIRInput(nn.Module):
    """Raw RGB and IR images -> the normalised (B, 6, H, W) model input.

    Does inside the exported graph what ``LoadRGBIRImagePair`` and the
    RGB-IR data preprocessors do in Python: cast to float, turn a 3-channel
    IR image grey and repeat it to 3 channels, normalise each modality with
    its own statistics and (for detectors) pad to ``pad_size_divisor``
    with zeros after normalisation.

    Args:
        mean (Sequence[float]): 6 values, RGB then IR, in RGB order.
        std (Sequence[float]): 6 values, likewise.
        channel_order (str): Order of the 3 channels of the ``rgb`` (and a
            3-channel ``ir``) input: 'rgb' (cameras, PIL) or 'bgr' (OpenCV).
            Defaults to 'rgb'.
        pad_size_divisor (int): Pad height and width up to a multiple of
            this (mmdet's ``pad_size_divisor``); 1 pads nothing.
            Defaults to 1.
    """

    def __init__(self,
                 mean: Sequence[float],
                 std: Sequence[float],
                 channel_order: str = 'rgb',
                 pad_size_divisor: int = 1) -> None:
        super().__init__()
        if channel_order not in ('rgb', 'bgr'):
            raise ValueError(f'channel_order must be "rgb" or "bgr", got '
                             f'{channel_order!r}')
        if len(mean) != 6 or len(std) != 6:
            raise ValueError('mean and std need 6 values (RGB, then IR)')
        flip = channel_order == 'bgr'
        grey = torch.tensor(_IR_GREY)
        if flip:
            grey[2] = grey[2].flip(0)
        self.flip = flip
        self.pad_size_divisor = int(pad_size_divisor)
        self.register_buffer('ir_grey', grey, persistent=False)
        self.register_buffer(
            'mean', torch.tensor(mean, dtype=torch.float32).view(1, 6, 1, 1),
            persistent=False)
        self.register_buffer(
            'std', torch.tensor(std, dtype=torch.float32).view(1, 6, 1, 1),
            persistent=False)

    def forward(self, rgb: torch.Tensor, ir: torch.Tensor) -> torch.Tensor:
        """Build the model input.

        Args:
            rgb (Tensor): (B, 3, H, W) pixels, uint8 or float, 0-255.
            ir (Tensor): (B, 1, H, W) or (B, 3, H, W), likewise.

        Returns:
            Tensor: (B, 6, H', W') normalised input, H', W' padded up to the
            divisor.
        """
        rgb = rgb.float()
        if self.flip:
            rgb = rgb.flip(1)
        channels = ir.shape[1]
        weights = self.ir_grey[channels - 1, :channels]
        grey = (ir.float() * weights.view(1, -1, 1, 1)).sum(1, keepdim=True)
        x = torch.cat([rgb, grey.expand(-1, 3, -1, -1)], 1)
        x = (x - self.mean) / self.std
        d = self.pad_size_divisor
        if d > 1:
            h, w = x.shape[-2:]
            x = F.pad(x, (0, (d - w % d) % d, 0, (d - h % d) % d))
        return x
