# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Multi-modal Feature Pool (MFP) of UniRGB-IR."""
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule

from .feature_pool import FeaturePool
from .modality_alignment import ModalityAlignment, sample_displaced
from .modality_mixing import MultiPerceptionMixing


def _stem(in_channels: int, channels: int, norm_cfg: dict,
          act_cfg: dict) -> nn.Sequential:
    """conv3x3 s2 - conv3x3 - conv3x3 (each norm + act) - maxpool s2: 1/4.

    Batch norms in eval mode are folded into their convolutions on the fly
    (mmcv's ``efficient_conv_bn_eval``): same result, one pass less.
    """
    cfg = dict(
        kernel_size=3,
        padding=1,
        norm_cfg=norm_cfg,
        act_cfg=act_cfg,
        efficient_conv_bn_eval=True)
    return nn.Sequential(
        ConvModule(in_channels, channels, stride=2, **cfg),
        ConvModule(channels, channels, **cfg),
        ConvModule(channels, channels, **cfg),
        nn.MaxPool2d(kernel_size=3, stride=2, padding=1))


class MultiModalFeaturePool(BaseModule):
    """Multi-modal Feature Pool: RGB + IR -> multi-scale fused features.

    Two modality-specific convolutional stems bring each image to 1/4
    resolution, :class:`MultiPerceptionMixing` fuses them, and a pyramid of
    stride-2 convolutions produces 1/8, 1/16 and 1/32 maps, each projected by a
    1x1 convolution (with bias) to ``embed_dims`` channels plus a learned
    level embedding: the token pool that every
    :class:`SupplementaryFeatureInjector` attends to. The pool is returned
    in the factored form of :class:`FeaturePool` (the projection is folded
    into the injectors' reads, the ``embed_dims``-channel tokens are never
    formed).

    Args:
        embed_dims (int): Output channels (the ViT width). Defaults to 768.
        in_channels (int): Channels of each modality's image. Defaults to 3.
        stem_channels (int): Channels of the stems and of the mixing.
            Defaults to 64.
        pyramid_channels (Sequence[int]): Channels of the 1/8, 1/16, 1/32
            maps. Defaults to (128, 256, 256).
        kernel_sizes (Sequence[int]): Kernel sizes of the mixing groups.
            Defaults to (3, 3, 5, 7).
        norm_cfg (dict): Norm of the stems and pyramid. Defaults to
            ``dict(type='BN')``.
        act_cfg (dict): Activation of the stems and pyramid. Defaults to
            ``dict(type='ReLU')``.
        alignment_cfg (dict, optional): Kwargs of a
            :class:`ModalityAlignment` that, at inference, estimates the IR
            image's displacement from the two images' edges and moves the IR
            stem's features onto the RGB stem's before mixing (for
            misregistered cameras); the pool then reports the shift it
            applied (:attr:`FeaturePool.ir_shift`). None (the paper) has
            none. Defaults to None.
        init_cfg (dict, optional): Initialisation config. Defaults to None.
    """

    def __init__(self,
                 embed_dims: int = 768,
                 in_channels: int = 3,
                 stem_channels: int = 64,
                 pyramid_channels: Sequence[int] = (128, 256, 256),
                 kernel_sizes: Sequence[int] = (3, 3, 5, 7),
                 norm_cfg: dict = dict(type='BN'),
                 act_cfg: dict = dict(type='ReLU'),
                 alignment_cfg: Optional[dict] = None,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.rgb_stem = _stem(in_channels, stem_channels, norm_cfg, act_cfg)
        self.ir_stem = _stem(in_channels, stem_channels, norm_cfg, act_cfg)
        self.alignment = None if alignment_cfg is None else \
            ModalityAlignment(**alignment_cfg)
        self.mixing = MultiPerceptionMixing(stem_channels, kernel_sizes)
        self.pyramid = nn.ModuleList()
        self.projections = nn.ModuleList()
        prev = stem_channels
        for ch in pyramid_channels:
            self.pyramid.append(
                ConvModule(
                    prev,
                    ch,
                    kernel_size=3,
                    stride=2,
                    padding=1,
                    norm_cfg=norm_cfg,
                    act_cfg=act_cfg,
                    efficient_conv_bn_eval=True))
            self.projections.append(nn.Conv2d(ch, embed_dims, 1))
            prev = ch
        self.num_levels = len(pyramid_channels)
        self.level_embed = nn.Parameter(
            torch.randn(self.num_levels, embed_dims))

    stem_stride = 4  # the stems' output resolution is 1/4 of the input

    def forward_pyramid(
        self, rgb: torch.Tensor, ir: torch.Tensor
    ) -> Tuple[List[torch.Tensor], Optional[torch.Tensor]]:
        """The pyramid's maps before the 1x1 projections, and the IR shift.

        Args:
            rgb (Tensor): Normalised RGB image, shape (B, 3, H, W).
            ir (Tensor): Normalised IR image, shape (B, 3, H, W).

        Returns:
            tuple: ``num_levels`` maps (``pyramid_channels``) at strides 8,
            16, 32, in channels-last memory; and the shift the alignment
            applied to the IR features, (B, 2) as (dx, dy) in input pixels
            (None without alignment, or while it is inactive).
        """
        # channels-last activations make oneDNN's convolutions and pooling
        # about 1.7x faster on CPU here; the result is the same
        shift = None
        if self.alignment is not None and self.alignment.active:
            shift = self.alignment(rgb, ir)  # input pixels
        rgb = rgb.contiguous(memory_format=torch.channels_last)
        ir = ir.contiguous(memory_format=torch.channels_last)
        rgb, ir = self.rgb_stem(rgb), self.ir_stem(ir)
        if shift is not None:
            ir = sample_displaced(ir, shift / self.stem_stride)
        x = self.mixing(rgb, ir)
        outs = []
        for conv in self.pyramid:
            x = conv(x)
            outs.append(x)
        return outs, shift

    def forward(self, rgb: torch.Tensor, ir: torch.Tensor) -> FeaturePool:
        """Compute the feature pool.

        Args:
            rgb (Tensor): Normalised RGB image, shape (B, 3, H, W).
            ir (Tensor): Normalised IR image, shape (B, 3, H, W).

        Returns:
            FeaturePool: ``num_levels`` levels at strides 8, 16, 32 (in
            fp32, also under autocast), and the IR shift the alignment
            applied, if any.
        """
        feats, shift = self.forward_pyramid(rgb, ir)
        with torch.autocast(device_type=rgb.device.type, enabled=False):
            return FeaturePool([f.float() for f in feats],
                               [p.weight for p in self.projections], [
                                   p.bias + e
                                   for p, e in zip(self.projections,
                                                   self.level_embed)
                               ],
                               ir_shift=None if shift is None else
                               shift.float())
