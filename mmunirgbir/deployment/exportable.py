# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Two-input (RGB, IR) modules of trained models, ready for ONNX export.

Each wraps a built mmdet / mmseg model: :class:`RawRGBIRInput` turns raw
camera pixels into the model input inside the graph, and the model's own
parts run after it. What a wrapper exports is in its ``exported`` text (the
export tool prints it); ``task`` and ``output_names`` describe the graph for
``tools/deployment/onnx_infer.py``.
"""
import copy
from typing import Dict, List

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmseg.models.utils import Upsample

from .adaptive_avg_pool import IntegralAdaptiveAvgPool2d
from .detector_exportable import (RetinaNetExportable,
                                  TwoStageDetectorExportable)
from .rgbir_exportable import RGBIRExportable


class BackboneExportable(RGBIRExportable):
    """The backbone (and neck, when the model has one): feature maps."""
    task = 'features'

    def __init__(self, model: nn.Module, channel_order: str = 'rgb',
                 with_neck: bool = True) -> None:
        super().__init__(model, channel_order)
        self.with_neck = with_neck and getattr(model, 'with_neck', False)
        parts = 'backbone and neck' if self.with_neck else 'backbone'
        self.exported = f'{parts} ({type(model.backbone).__name__}' + (
            f' + {type(model.neck).__name__}' if self.with_neck else '') + ')'

    def forward(self, rgb: torch.Tensor, ir: torch.Tensor):
        x = self.preprocess(rgb, ir)
        feats = self.model.backbone(x)
        if self.with_neck:
            feats = self.model.neck(feats)
        return tuple(feats)


class SegmentorExportable(RGBIRExportable):
    """An mmseg ``EncoderDecoder``, whole-image inference, end to end.

    Segmentation outputs ``logits`` (B, K, H, W) and ``labels`` (B, H, W);
    salient object detection (a 1-channel head) outputs ``saliency``
    (B, 1, H, W), sigmoid probabilities. Both at the input's size, as
    mmseg's ``predict`` resizes them before its final resize to the
    original image (which ``onnx_infer.py`` does).
    """

    def __init__(self, model: nn.Module, channel_order: str = 'rgb') -> None:
        super().__init__(model, channel_order)
        head = model.decode_head
        self.sod = head.out_channels == 1
        self.task = 'sod' if self.sod else 'seg'
        self.output_names = ('saliency', ) if self.sod else ('logits',
                                                              'labels')
        self.exported = ('the whole segmentor (backbone, neck, decode head, '
                         'resize to the input; auxiliary heads are training '
                         'only)')
        # the export's own copy, with modules that keep sizes symbolic in
        # place of mmseg's integer-scale Upsample and the pyramid pooling's
        # adaptive pools: the user's model stays as it is
        self.model = copy.deepcopy(model)
        for name, module in list(self.model.named_modules()):
            if isinstance(module, Upsample) and _IntegerScaleUpsample.fits(
                    module):
                stand_in = _IntegerScaleUpsample(module)
            elif IntegralAdaptiveAvgPool2d.replaces(module):
                stand_in = IntegralAdaptiveAvgPool2d(module.output_size)
            else:
                continue
            parent, _, child = name.rpartition('.')
            setattr(self.model.get_submodule(parent), child, stand_in)

    def forward(self, rgb: torch.Tensor, ir: torch.Tensor):
        x = self.preprocess(rgb, ir)
        head = self.model.decode_head
        logits = head(self.model.extract_feat(x))
        logits = F.interpolate(
            logits,
            size=rgb.shape[-2:],
            mode='bilinear',
            align_corners=head.align_corners)
        if self.sod:
            return (logits.sigmoid(), )
        return logits, logits.argmax(1)

    def metadata(self) -> Dict[str, str]:
        meta = super().metadata()
        if self.sod:
            meta['threshold'] = str(self.model.decode_head.threshold or 0.5)
        return meta


class _IntegerScaleUpsample(nn.Module):
    """mmseg's ``Upsample`` for the export: it computes its size as
    ``int(size * scale)``, which fixes the size in a dynamic export; for an
    integer scale ``size * scale`` is the same number and stays symbolic."""

    def __init__(self, upsample: Upsample) -> None:
        super().__init__()
        self.scale = int(upsample.scale_factor)
        self.mode = upsample.mode
        self.align_corners = upsample.align_corners

    @staticmethod
    def fits(upsample: Upsample) -> bool:
        scale = upsample.scale_factor
        return not upsample.size and isinstance(
            scale, float) and scale.is_integer()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        size = [t * self.scale for t in x.shape[-2:]]
        return F.interpolate(x, size, None, self.mode, self.align_corners)


def build_exportable(model: nn.Module, channel_order: str = 'rgb',
                     backbone_only: bool = False) -> RGBIRExportable:
    """The exportable module for a built model.

    Segmentors and SOD models (mmseg ``EncoderDecoder``), one-stage sigmoid
    anchor heads (RetinaNet) and two-stage detectors (Faster / Cascade
    R-CNN) export end to end; ``backbone_only`` exports the backbone and
    neck of any model.

    Raises:
        TypeError: For a model whose heads are not exported end to end,
            naming the head (``backbone_only`` exports its features).
    """
    if backbone_only:
        return BackboneExportable(model, channel_order)
    if hasattr(model, 'decode_head'):
        return SegmentorExportable(model, channel_order)
    try:
        if getattr(model, 'with_rpn', False) and hasattr(model, 'roi_head'):
            return TwoStageDetectorExportable(model, channel_order)
        head = getattr(model, 'bbox_head', None)
        if head is not None and hasattr(head, 'prior_generator'):
            return RetinaNetExportable(model, channel_order)
        raise TypeError(f'{_heads_of(model)}: no end-to-end export for '
                        'this head')
    except TypeError as e:
        raise TypeError(f'{type(model).__name__} cannot be exported end to '
                        f'end: {e}. Export its features with backbone_only '
                        '(pytorch2onnx.py --backbone-only) and run the heads '
                        'in PyTorch') from e


def _heads_of(model: nn.Module) -> str:
    names: List[str] = []
    for attr in ('rpn_head', 'roi_head', 'bbox_head', 'mask_head'):
        part = getattr(model, attr, None)
        if part is not None:
            names.append(f'{attr} ({type(part).__name__})')
    return ', '.join(names) or 'the model has no detection head'
