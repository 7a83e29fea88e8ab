# Copyright (c) mmunirgbir contributors. All rights reserved.
"""ViTDet's LN2d: timm's ``LayerNorm2d`` with a contiguous output."""
import torch
from mmengine.registry import MODELS
from timm.layers import LayerNorm2d as TimmLayerNorm2d


@MODELS.register_module('LN2d')
class LayerNorm2d(TimmLayerNorm2d):
    """timm's ``LayerNorm2d`` (channels of NCHW maps, eps 1e-6), returning
    contiguous NCHW memory.

    timm normalises a channels-last view and returns it permuted back, so
    its output lives in NHWC memory. mmcv's compiled ops read raw NCHW
    memory and ignore strides: fed that output (the last layer of every
    :class:`SimpleFeaturePyramid` stage), ``RoIAlign`` pools scrambled
    features and a two-stage detector cannot learn. Registered as ``'LN2d'``
    for ``norm_cfg=dict(type='LN2d')`` (mmdet 3.3 itself has none).
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x).contiguous()
