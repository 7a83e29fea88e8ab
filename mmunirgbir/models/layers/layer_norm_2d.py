# Copyright (c) mmunirgbir contributors. All rights reserved.
"""LayerNorm over the channels of (B, C, H, W) maps (ViTDet's LN2d)."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.registry import MODELS


@MODELS.register_module('LN2d')
class LayerNorm2d(nn.LayerNorm):
    """``nn.LayerNorm`` applied to the channel axis of NCHW tensors.

    Registered as ``'LN2d'`` for ``norm_cfg=dict(type='LN2d')`` in necks and
    heads (mmdet 3.3 itself has no 2-D LayerNorm). The output is contiguous
    NCHW memory: mmcv's compiled ops read raw memory and ignore strides, so
    a permuted view (the last layer of every :class:`SimpleFeaturePyramid`
    stage) made ``RoIAlign`` pool scrambled features.

    Args:
        num_channels (int): Channels C.
        eps (float): Defaults to 1e-6.
    """
    _abbr_ = 'ln'

    def __init__(self, num_channels: int, eps: float = 1e-6, **kwargs) -> None:
        super().__init__(num_channels, eps=eps, **kwargs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.permute(0, 2, 3, 1)
        x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias,
                         self.eps)
        return x.permute(0, 3, 1, 2).contiguous()
