# Copyright (c) mmunirgbir contributors. All rights reserved.
"""ViTDet's simple feature pyramid: multi-scale maps from one stride-p map."""
from typing import List, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule, build_norm_layer
from mmengine.model import BaseModule
from mmengine.registry import MODELS


@MODELS.register_module()
class SimpleFeaturePyramid(BaseModule):
    """Simple feature pyramid of `ViTDet <https://arxiv.org/abs/2203.16527>`_.

    The last backbone map (stride ``p``, e.g. 16) is upsampled by
    deconvolutions (x4, x2), kept (x1) or max-pooled (x0.5); each scale gets a
    1x1 and a 3x3 convolution with norm. Extra outputs beyond the scales
    (``num_outs``) are stride-2 max-pools of the last one (ViTDet's P6).

    Args:
        in_channels (int): Channels of the backbone map. Defaults to 768.
        out_channels (int): Channels of every output. Defaults to 256.
        scale_factors (Sequence[float]): Scales relative to the input map,
            each of 4, 2, 1 or 0.5. Defaults to (4.0, 2.0, 1.0, 0.5).
        num_outs (int): Number of outputs (>= number of scales).
            Defaults to 5.
        in_index (int): Which backbone output to use. Defaults to -1.
        norm_cfg (dict): Norm of the convolutions. Defaults to
            ``dict(type='LN2d')``.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: int = 768,
                 out_channels: int = 256,
                 scale_factors: Sequence[float] = (4.0, 2.0, 1.0, 0.5),
                 num_outs: int = 5,
                 in_index: int = -1,
                 norm_cfg: dict = dict(type='LN2d'),
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if num_outs < len(scale_factors):
            raise ValueError(f'num_outs ({num_outs}) < number of scales '
                             f'({len(scale_factors)})')
        self.num_outs = num_outs
        self.in_index = in_index
        self.stages = nn.ModuleList()
        for scale in scale_factors:
            dim = in_channels
            if scale == 4.0:
                layers: List[nn.Module] = [
                    nn.ConvTranspose2d(dim, dim // 2, 2, stride=2),
                    build_norm_layer(norm_cfg, dim // 2)[1],
                    nn.GELU(),
                    nn.ConvTranspose2d(dim // 2, dim // 4, 2, stride=2)
                ]
                dim //= 4
            elif scale == 2.0:
                layers = [nn.ConvTranspose2d(dim, dim // 2, 2, stride=2)]
                dim //= 2
            elif scale == 1.0:
                layers = []
            elif scale == 0.5:
                layers = [nn.MaxPool2d(kernel_size=2, stride=2)]
            else:
                raise ValueError(f'unsupported scale factor {scale}')
            layers += [
                ConvModule(
                    dim, out_channels, 1, norm_cfg=norm_cfg, act_cfg=None),
                ConvModule(
                    out_channels,
                    out_channels,
                    3,
                    padding=1,
                    norm_cfg=norm_cfg,
                    act_cfg=None)
            ]
            self.stages.append(nn.Sequential(*layers))

    def forward(self, inputs: Tuple[torch.Tensor]) -> Tuple[torch.Tensor]:
        """Build the pyramid from ``inputs[in_index]``.

        Returns:
            tuple[Tensor]: ``num_outs`` maps, finest first.
        """
        x = inputs[self.in_index]
        outs = [stage(x) for stage in self.stages]
        while len(outs) < self.num_outs:
            outs.append(F.max_pool2d(outs[-1], kernel_size=1, stride=2))
        return tuple(outs)
