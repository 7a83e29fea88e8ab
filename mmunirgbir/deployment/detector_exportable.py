# Copyright (c) mmunirgbir contributors. All rights reserved.
"""mmdet detectors end to end: raw (RGB, IR) pixels in, detections out.

The heads' own ``forward`` runs as in mmdet; what follows it is mmdet's
``predict_by_feat`` re-expressed in one traceable form, because mmdet's
runs image by image on data-dependent Python branches (``InstanceData``,
``if boxes.numel() > 0``), calls mmcv's compiled ``nms`` / ``RoIAlign``
(no ONNX form for the dynamo exporter), and its box decoder's ONNX branch
imports ``mmdet.core``, which mmdet 3.x removed. Every graph takes a batch
and outputs the detections of all its images: ``boxes`` (N, 4) in the
input's pixels (x1 y1 x2 y2), ``scores`` (N, ), ``labels`` (N, ) and
``batch_index`` (N, ), by image and, in each image, by descending score.
"""
from typing import List, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmdet.models.task_modules.coders.delta_xywh_bbox_coder import (
    DeltaXYWHBBoxCoder, delta2bbox)

from .onnx_nms import per_image_nms
from .onnx_roi_align import check_roi_extractor, multi_level_roi_features
from .rgbir_exportable import RGBIRExportable


class _DetectorExportable(RGBIRExportable):
    """Shared checks and steps of the detector graphs."""
    task = 'det'
    output_names = ('boxes', 'scores', 'labels', 'batch_index')

    @staticmethod
    def _check_coder(coder, where: str) -> None:
        if not isinstance(coder, DeltaXYWHBBoxCoder):
            raise TypeError(f'{where}: {type(coder).__name__} is not '
                            'exported; only DeltaXYWHBBoxCoder is')

    @staticmethod
    def _nms_iou(cfg, where: str) -> float:
        nms = cfg.get('nms', {})
        if nms.get('type', 'nms') != 'nms':
            raise TypeError(f'{where}: test_cfg nms type {nms["type"]!r} is '
                            'not exported; only plain "nms" (ONNX '
                            'NonMaxSuppression) is')
        return float(nms.get('iou_threshold', 0.5))

    @staticmethod
    def _image_size(rgb: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
        """(W, H, W, H) of the input image (mmdet's ``img_shape``: the
        boxes are clipped to the image before its padding)."""
        one = like.new_ones(())
        return torch.stack([one * rgb.shape[-1], one * rgb.shape[-2]] * 2)

    @staticmethod
    def _decode(coder: DeltaXYWHBBoxCoder, priors: torch.Tensor,
                deltas: torch.Tensor, size: torch.Tensor) -> torch.Tensor:
        """``coder.decode(priors, deltas, max_shape)`` for (N, 4) inputs:
        mmdet's ``delta2bbox``, then the clip to the image."""
        if torch.onnx.is_in_onnx_export():
            # delta2bbox returns early for no boxes: a branch on a
            # data-dependent size (the proposals after NMS) that the trace
            # cannot take; its other branch handles 0 boxes too
            torch._check(priors.shape[0] != 0)
        boxes = delta2bbox(
            priors,
            deltas,
            coder.means,
            coder.stds,
            max_shape=None,
            add_ctr_clamp=coder.add_ctr_clamp,
            ctr_clamp=coder.ctr_clamp)
        if coder.clip_border:
            boxes = torch.minimum(boxes.clamp(min=0), size)
        return boxes

    def _level_boxes(self, coder: DeltaXYWHBBoxCoder, scores: torch.Tensor,
                     deltas: torch.Tensor, anchors: torch.Tensor,
                     nms_pre: int, per_anchor: int, size: torch.Tensor):
        """One pyramid level of a dense head, per image: the ``nms_pre``
        best (all when <= 0) of the (B, anchors * ``per_anchor``) scores
        (anchor-major, as mmdet flattens them), their boxes decoded from the
        (B, anchors, 4) deltas, and their flat indices (B, k)."""
        if nms_pre > 0:
            scores, index = scores.topk(
                torch.sym_min(nms_pre, scores.shape[1]), dim=1)
        else:
            index = torch.arange(
                scores.shape[1], device=scores.device)[None].expand_as(scores)
        anchor = torch.div(index, per_anchor, rounding_mode='floor')
        deltas = deltas.gather(1, anchor[..., None].expand(-1, -1, 4))
        boxes = self._decode(coder, anchors[anchor].reshape(-1, 4),
                             deltas.reshape(-1, 4), size)
        return boxes, scores, index

    @staticmethod
    def _image_of(scores: torch.Tensor) -> torch.Tensor:
        """The image of each of the (B, M) ``scores``, flattened (by
        broadcasting: the exporter's ``repeat_interleave`` with a symbolic
        count gives an invalid ONNX ``Expand``)."""
        index = torch.arange(scores.shape[0], device=scores.device)
        return index[:, None].expand_as(scores).reshape(-1)

    @staticmethod
    def _without_small(boxes: torch.Tensor, scores: torch.Tensor,
                       min_size: float) -> torch.Tensor:
        """Scores of boxes not wider and taller than ``min_size`` set to -1
        (below every NMS score threshold used here), as mmdet's
        ``min_bbox_size`` filter drops them; ``min_size < 0``: no filter."""
        if min_size < 0:
            return scores
        wh = boxes[:, 2:] - boxes[:, :2]
        return torch.where((wh > min_size).all(1), scores,
                           torch.full_like(scores, -1.))

    def metadata(self):
        return dict(super().metadata(), score_thr=str(self.score_thr))


class RetinaNetExportable(_DetectorExportable):
    """A one-stage anchor-based mmdet detector (RetinaNet), end to end.

    The post-processing is mmdet's ``test_cfg``: the ``nms_pre`` best
    (anchor, class) pairs per level, ``score_thr``, ``min_bbox_size``,
    per-class NMS (ONNX ``NonMaxSuppression``) and ``max_per_img``, per image.
    """

    def __init__(self, model: nn.Module, channel_order: str = 'rgb') -> None:
        super().__init__(model, channel_order)
        head = model.bbox_head
        where = f'bbox_head ({type(head).__name__})'
        if not getattr(head, 'use_sigmoid_cls', False):
            raise TypeError(f'{where}: only sigmoid classification heads are '
                            'exported end to end')
        self._check_coder(head.bbox_coder, where)
        cfg = head.test_cfg
        self.iou_thr = self._nms_iou(cfg, where)
        self.nms_pre = int(cfg.get('nms_pre', -1))
        self.score_thr = float(cfg.get('score_thr', 0.))
        self.min_bbox_size = float(cfg.get('min_bbox_size', -1))
        self.max_per_img = int(cfg.get('max_per_img', 100))
        self.exported = (f'the whole detector ({type(model.backbone).__name__}'
                         f' + {type(model.neck).__name__} + '
                         f'{type(head).__name__} + box decoding + NMS)')

    def forward(self, rgb: torch.Tensor, ir: torch.Tensor):
        head = self.model.bbox_head
        num_classes = head.cls_out_channels
        x = self.preprocess(rgb, ir)
        batch = x.shape[0]
        cls_scores, bbox_preds = head(self.model.extract_feat(x))
        priors = head.prior_generator.grid_priors(
            [c.shape[-2:] for c in cls_scores], device=x.device)
        size = self._image_size(rgb, x)
        boxes, scores, labels, images = [], [], [], []
        for cls, reg, anchors in zip(cls_scores, bbox_preds, priors):
            level_boxes, flat, index = self._level_boxes(
                head.bbox_coder,
                cls.permute(0, 2, 3, 1).reshape(batch, -1).sigmoid(),
                reg.permute(0, 2, 3, 1).reshape(batch, -1, 4), anchors,
                self.nms_pre, num_classes, size)
            boxes.append(level_boxes)
            scores.append(flat.reshape(-1))
            labels.append((index % num_classes).reshape(-1))
            images.append(self._image_of(flat))
        boxes, scores, labels, images = (torch.cat(t) for t in (boxes, scores,
                                                                labels,
                                                                images))
        scores = self._without_small(boxes, scores, self.min_bbox_size)
        keep = per_image_nms(boxes, scores, labels, num_classes, images,
                             batch, self.iou_thr, max(self.score_thr, 0.),
                             self.max_per_img)
        return boxes[keep], scores[keep], labels[keep], images[keep]


class TwoStageDetectorExportable(_DetectorExportable):
    """Faster R-CNN and Cascade R-CNN (mmdet ``TwoStageDetector``), end to end.

    - RPN: per level the ``nms_pre`` best anchors, decoding, ``min_bbox_size``,
      NMS per level (mmdet's level ids) and ``max_per_img`` proposals;
    - RoI features: ONNX ``RoiAlign`` on the level mmdet's
      ``SingleRoIExtractor`` maps each RoI to;
    - box head(s): one stage, or the cascade's stages, each refining the RoIs
      by its class-wise regression, the final scores the mean of the stages'
      logits (mmdet's ``CascadeRoIHead``);
    - softmax, per-class decoding, ``score_thr``, per-class NMS and
      ``max_per_img``.

    Raises:
        TypeError: Naming the part that is not exported: a mask head, a
            shared head, another RoI extractor or pooling, another box coder,
            a custom classification activation, soft NMS.
    """

    def __init__(self, model: nn.Module, channel_order: str = 'rgb') -> None:
        super().__init__(model, channel_order)
        rpn, roi = model.rpn_head, model.roi_head
        rpn_where = f'rpn_head ({type(rpn).__name__})'
        roi_where = f'roi_head ({type(roi).__name__})'
        if not hasattr(rpn, 'prior_generator') or len(rpn.prior_generator.
                                                      num_base_priors) == 0:
            raise TypeError(f'{rpn_where}: not an anchor head; not exported')
        self._check_coder(rpn.bbox_coder, rpn_where)
        if getattr(roi, 'with_mask', False):
            raise TypeError(f'{roi_where}: the mask head '
                            f'({type(roi.mask_head).__name__}) is not '
                            'exported; export boxes with a config without it')
        if getattr(roi, 'with_shared_head', False):
            raise TypeError(f'{roi_where}: a shared head is not exported')
        self.cascade = isinstance(roi.bbox_head, nn.ModuleList)
        heads = list(roi.bbox_head) if self.cascade else [roi.bbox_head]
        extractors = (list(roi.bbox_roi_extractor)
                      if self.cascade else [roi.bbox_roi_extractor])
        for i, (head, extractor) in enumerate(zip(heads, extractors)):
            where = f'{roi_where} box head {i} ({type(head).__name__})'
            check_roi_extractor(extractor, where)
            self._check_coder(head.bbox_coder, where)
            if getattr(head, 'custom_cls_channels', False) or not getattr(
                    head, 'with_cls', True) or not getattr(
                        head, 'with_reg', True):
                raise TypeError(f'{where}: only softmax classification with '
                                'box regression is exported')
        rpn_cfg, rcnn_cfg = rpn.test_cfg, roi.test_cfg
        self.rpn_iou = self._nms_iou(rpn_cfg, rpn_where)
        self.rpn_nms_pre = int(rpn_cfg.get('nms_pre', -1))
        self.rpn_min_size = float(rpn_cfg.get('min_bbox_size', -1))
        self.rpn_max_per_img = int(rpn_cfg.get('max_per_img', 1000))
        self.iou_thr = self._nms_iou(rcnn_cfg, roi_where)
        self.score_thr = float(rcnn_cfg.get('score_thr', 0.))
        self.max_per_img = int(rcnn_cfg.get('max_per_img', 100))
        self.heads: List[nn.Module] = heads
        self.extractors: List[nn.Module] = extractors
        stages = f'{len(heads)} cascade stages' if self.cascade else \
            type(heads[0]).__name__
        self.exported = (
            f'the whole detector ({type(model.backbone).__name__} + '
            f'{type(model.neck).__name__} + {type(rpn).__name__} proposals '
            f'with NMS + RoIAlign + {stages} + per-class NMS)')

    def forward(self, rgb: torch.Tensor, ir: torch.Tensor):
        x = self.preprocess(rgb, ir)
        feats = self.model.extract_feat(x)
        size = self._image_size(rgb, x)
        boxes, images = self._proposals(feats, size, x.shape[0])
        rois = torch.cat([images[:, None].to(boxes), boxes], 1)
        cls, reg, rois = self._box_stages(feats, rois, size)
        return self._detections(cls, reg, rois, size, x.shape[0])

    def _proposals(self, feats: Sequence[torch.Tensor], size: torch.Tensor,
                   batch: int) -> Tuple[torch.Tensor, torch.Tensor]:
        """mmdet's ``RPNHead.predict_by_feat``: boxes and their images."""
        rpn = self.model.rpn_head
        cls_scores, bbox_preds = rpn(feats)
        priors = rpn.prior_generator.grid_priors(
            [c.shape[-2:] for c in cls_scores], device=size.device)
        boxes, scores, levels, images = [], [], [], []
        for level, (cls, reg, anchors) in enumerate(
                zip(cls_scores, bbox_preds, priors)):
            cls = cls.permute(0, 2, 3, 1).reshape(batch, -1,
                                                  rpn.cls_out_channels)
            # the foreground score: class 0 (sigmoid, or softmax's first)
            score = (cls.sigmoid() if rpn.use_sigmoid_cls else
                     cls.softmax(-1))[..., 0]
            level_boxes, score, index = self._level_boxes(
                rpn.bbox_coder, score,
                reg.permute(0, 2, 3, 1).reshape(batch, -1, 4), anchors,
                self.rpn_nms_pre, 1, size)
            boxes.append(level_boxes)
            scores.append(score.reshape(-1))
            levels.append(torch.full_like(index, level).reshape(-1))
            images.append(self._image_of(score))
        boxes, scores, levels, images = (torch.cat(t) for t in (boxes, scores,
                                                                levels,
                                                                images))
        scores = self._without_small(boxes, scores, self.rpn_min_size)
        # no score threshold in the RPN: -0.5 drops only the small boxes
        keep = per_image_nms(boxes, scores, levels, len(cls_scores), images,
                             batch, self.rpn_iou, -0.5, self.rpn_max_per_img)
        return boxes[keep], images[keep]

    def _box_stages(self, feats: Sequence[torch.Tensor], rois: torch.Tensor,
                    size: torch.Tensor):
        """mmdet's ``StandardRoIHead`` / ``CascadeRoIHead`` up to the last
        stage's logits (for a cascade the stages' mean), box deltas and
        RoIs."""
        logits = []
        for stage, (head, extractor) in enumerate(zip(self.heads,
                                                      self.extractors)):
            cls, reg = head(multi_level_roi_features(extractor, feats, rois))
            logits.append(cls)
            if stage < len(self.heads) - 1:
                # the RoIs refined by this stage's regression of its best
                # foreground class (mmdet's regress_by_class)
                if not head.reg_class_agnostic:
                    label = cls[:, :-1].argmax(1) * 4
                    reg = reg.gather(
                        1, torch.stack([label + i for i in range(4)], 1))
                rois = torch.cat([
                    rois[:, :1],
                    self._decode(head.bbox_coder, rois[:, 1:], reg, size)
                ], 1)
        return sum(logits) / float(len(logits)), reg, rois

    def _detections(self, cls: torch.Tensor, reg: torch.Tensor,
                    rois: torch.Tensor, size: torch.Tensor, batch: int):
        """mmdet's ``BBoxHead.predict_by_feat`` and ``multiclass_nms``."""
        head = self.heads[-1]
        num_classes = head.num_classes
        scores = F.softmax(cls, dim=-1)[:, :-1]
        num_rois = rois.shape[0]
        if head.reg_class_agnostic:
            boxes = self._decode(head.bbox_coder, rois[:, 1:], reg, size)
            boxes = boxes[:, None].expand(-1, num_classes, -1)
        else:
            boxes = self._decode(
                head.bbox_coder,
                rois[:, None, 1:].expand(-1, num_classes, -1).reshape(-1, 4),
                reg.reshape(-1, 4), size)
        boxes = boxes.reshape(-1, 4)
        labels = torch.arange(
            num_classes, device=rois.device)[None].expand(num_rois, -1)
        images = rois[:, :1].long().expand(-1, num_classes)
        labels, images = labels.reshape(-1), images.reshape(-1)
        scores = scores.reshape(-1)
        keep = per_image_nms(boxes, scores, labels, num_classes, images, batch,
                             self.iou_thr, max(self.score_thr, 0.),
                             self.max_per_img)
        return boxes[keep], scores[keep], labels[keep], images[keep]
