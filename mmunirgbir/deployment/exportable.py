# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Two-input (RGB, IR) modules of trained models, ready for ONNX export.

Each wraps a built mmdet / mmseg model: :class:`RawRGBIRInput` turns raw
camera pixels into the model input inside the graph, and the model's own
parts run after it. What a wrapper exports is in its ``exported`` text (the
export tool prints it); ``task`` and ``output_names`` describe the graph for
``tools/deployment/onnx_infer.py``.
"""
import copy
from typing import Dict, List, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmdet.models.task_modules.coders.delta_xywh_bbox_coder import (
    DeltaXYWHBBoxCoder, delta2bbox)
from mmseg.models.utils import Upsample

from .onnx_nms import exportable_batched_nms
from .raw_input import RawRGBIRInput


class _RGBIRExportable(nn.Module):
    """Common part: raw input -> normalised (padded) 6-channel tensor."""
    task = ''
    output_names: Tuple[str, ...] = ()
    exported = ''
    batch_dynamic = True

    def __init__(self, model: nn.Module, channel_order: str) -> None:
        super().__init__()
        pre = model.data_preprocessor
        self.model = model
        self.preprocess = RawRGBIRInput(
            pre.mean.flatten().tolist(),
            pre.std.flatten().tolist(),
            channel_order=channel_order,
            pad_size_divisor=getattr(pre, 'pad_size_divisor', 1) or 1)

    def metadata(self) -> Dict[str, str]:
        """Key-value facts stored in the ONNX file for its readers."""
        return dict(task=self.task, output_names=','.join(self.output_names))


class BackboneExportable(_RGBIRExportable):
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


class SegmentorExportable(_RGBIRExportable):
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
        # the export's own copy: the user's model stays as it is
        self.model = copy.deepcopy(model)
        for name, module in list(self.model.named_modules()):
            if isinstance(module, Upsample) and _IntegerScaleUpsample.fits(
                    module):
                parent, _, child = name.rpartition('.')
                setattr(self.model.get_submodule(parent), child,
                        _IntegerScaleUpsample(module))

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


class RetinaNetExportable(_RGBIRExportable):
    """A one-stage anchor-based mmdet detector (RetinaNet), end to end.

    Outputs, for one image (batch 1): ``boxes`` (N, 4) in the input's pixels
    (x1 y1 x2 y2), ``scores`` (N, ) and ``labels`` (N, ), by descending
    score; N <= ``max_per_img``. The post-processing is mmdet's
    ``test_cfg`` (``nms_pre`` best (anchor, class) pairs per level,
    ``score_thr``, ``min_bbox_size``, per-class NMS, ``max_per_img``), with
    ONNX's ``NonMaxSuppression`` for the NMS.
    """
    task = 'det'
    output_names = ('boxes', 'scores', 'labels')
    batch_dynamic = False

    def __init__(self, model: nn.Module, channel_order: str = 'rgb') -> None:
        super().__init__(model, channel_order)
        head = model.bbox_head
        if not getattr(head, 'use_sigmoid_cls', False):
            raise TypeError(f'{type(head).__name__}: only sigmoid '
                            'classification heads are exported end to end')
        cfg = head.test_cfg
        nms = cfg.get('nms', {})
        if nms.get('type', 'nms') != 'nms':
            raise TypeError(f'test_cfg.nms.type {nms["type"]!r}: only plain '
                            '"nms" exports to ONNX NonMaxSuppression')
        if not isinstance(head.bbox_coder, DeltaXYWHBBoxCoder):
            raise TypeError(f'{type(head.bbox_coder).__name__}: only '
                            'DeltaXYWHBBoxCoder heads are exported')
        self.nms_pre = int(cfg.get('nms_pre', -1))
        self.score_thr = float(cfg.get('score_thr', 0.))
        self.iou_thr = float(nms.get('iou_threshold', 0.5))
        self.min_bbox_size = float(cfg.get('min_bbox_size', -1))
        self.max_per_img = int(cfg.get('max_per_img', 100))
        self.exported = (f'the whole detector ({type(model.backbone).__name__}'
                         f' + {type(model.neck).__name__} + '
                         f'{type(head).__name__} + box decoding + NMS)')

    def forward(self, rgb: torch.Tensor, ir: torch.Tensor):
        head = self.model.bbox_head
        x = self.preprocess(rgb, ir)
        cls_scores, bbox_preds = head(self.model.extract_feat(x))
        priors = head.prior_generator.grid_priors(
            [c.shape[-2:] for c in cls_scores], device=x.device)
        boxes, scores, labels = [], [], []
        for cls, reg, anchors in zip(cls_scores, bbox_preds, priors):
            cls = cls[0].permute(1, 2, 0).reshape(-1, head.cls_out_channels)
            reg = reg[0].permute(1, 2, 0).reshape(-1, 4)
            flat = cls.sigmoid().flatten()
            if self.nms_pre > 0:
                k = torch.sym_min(self.nms_pre, flat.shape[0])
                flat, index = flat.topk(k)
            else:
                index = torch.arange(flat.shape[0], device=flat.device)
            anchor = torch.div(
                index, head.cls_out_channels, rounding_mode='floor')
            boxes.append(self._decode(anchors[anchor], reg[anchor]))
            scores.append(flat)
            labels.append(index % head.cls_out_channels)
        boxes, scores, labels = (torch.cat(t) for t in (boxes, scores,
                                                        labels))
        # clipped to the image before padding, as mmdet's img_shape does
        one = boxes.new_ones(())
        size = torch.stack([one * rgb.shape[-1], one * rgb.shape[-2]] * 2)
        boxes = torch.minimum(boxes.clamp(min=0), size)
        if self.min_bbox_size >= 0:
            wh = boxes[:, 2:] - boxes[:, :2]
            valid = (wh > self.min_bbox_size).all(1)
            scores = torch.where(valid, scores, torch.zeros_like(scores))
        keep = exportable_batched_nms(boxes, scores, labels, self.iou_thr,
                                      max(self.score_thr, 0.))
        keep = keep[:self.max_per_img]
        return boxes[keep], scores[keep], labels[keep]

    def _decode(self, anchors: torch.Tensor,
                deltas: torch.Tensor) -> torch.Tensor:
        """mmdet's ``delta2bbox`` without its clip (whose ONNX branch needs
        the removed ``mmdet.core``); the caller clips."""
        coder = self.model.bbox_head.bbox_coder
        return delta2bbox(
            anchors,
            deltas,
            coder.means,
            coder.stds,
            max_shape=None,
            add_ctr_clamp=coder.add_ctr_clamp,
            ctr_clamp=coder.ctr_clamp)

    def metadata(self) -> Dict[str, str]:
        return dict(super().metadata(), score_thr=str(self.score_thr))


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
                     backbone_only: bool = False) -> _RGBIRExportable:
    """The exportable module for a built model.

    Segmentors and SOD models (mmseg ``EncoderDecoder``) and one-stage
    sigmoid anchor heads (RetinaNet) export end to end; every other detector
    (two-stage: RPN proposals and RoI heads) exports its backbone and neck,
    which the returned module's ``exported`` says.
    """
    if backbone_only:
        return BackboneExportable(model, channel_order)
    if hasattr(model, 'decode_head'):
        return SegmentorExportable(model, channel_order)
    head = getattr(model, 'bbox_head', None)
    if head is not None and not getattr(model, 'with_rpn', False) and hasattr(
            head, 'prior_generator') and getattr(head, 'use_sigmoid_cls',
                                                 False):
        return RetinaNetExportable(model, channel_order)
    exportable = BackboneExportable(model, channel_order)
    exportable.exported += (
        f'; NOT exported: {_heads_of(model)} of the '
        f'{type(model).__name__} (run them in PyTorch on these features)')
    return exportable


def _heads_of(model: nn.Module) -> str:
    names: List[str] = []
    for attr in ('rpn_head', 'roi_head', 'bbox_head', 'mask_head'):
        part = getattr(model, attr, None)
        if part is not None:
            names.append(f'{attr} ({type(part).__name__})')
    return ', '.join(names) or 'the heads'
