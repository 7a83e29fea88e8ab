# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Log-average miss rate (MR^-2) of the Caltech / KAIST pedestrian protocol.

The protocol is Dollar's MATLAB evaluation (``dbEval.m`` with ``bbGt``) as
used for KAIST: ground truth that is not a ``person``, shorter than the
setting's height, more occluded than it allows, flagged ``ign`` or outside
the border bounds (x in [5, 635], y in [5, 507]) is ignored; detections
shorter than the height / 1.25 are discarded; matching at IoU 0.5 with
ignore regions absorbing detections (intersection over the detection);
the miss rate sampled at 9 FPPI points in [1e-2, 1] and log-averaged with
no floor (one sampled miss rate of 0 gives 0, as MATLAB does). The aspect
ratio standardisation of ``dbEval.m`` (width = 0.41 x height) is an option.

The widely copied Python script of MLPD (used by ICAFusion, MS-DETR and
others) matches and samples identically but has no detection-height
filter and no border bounds, and floors the miss rate, so papers that use
it report higher MR^-2 than this metric on the same detections.
"""
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmdet.evaluation import bbox_overlaps
from mmengine.evaluator import BaseMetric
from mmengine.registry import METRICS

#: Caltech-style settings: (minimum height, maximum occlusion level)
DEFAULT_SETTINGS = {
    'reasonable': dict(min_height=55, max_occlusion=1),
    'all': dict(min_height=20, max_occlusion=2),
}


def match_image(gt_boxes: np.ndarray, gt_ignore: np.ndarray,
                dt_boxes: np.ndarray, dt_scores: np.ndarray,
                iou_thr: float = 0.5) -> np.ndarray:
    """Match one image's detections (Dollar et al.'s ``bbGt evalRes``).

    Detections, by descending score, take the unmatched non-ignored ground
    truth of highest IoU >= ``iou_thr`` (a true positive). Failing that, a
    detection covered by an ignored region (intersection over the
    detection's area >= ``iou_thr``; ignored regions may absorb several) is
    dropped; otherwise it is a false positive.

    Returns:
        ndarray: Per detection (in input order): 1 true positive, 0 false
        positive, -1 ignored.
    """
    result = np.zeros(len(dt_boxes), dtype=np.int64)
    matched = np.zeros(len(gt_boxes), dtype=bool)
    care = ~gt_ignore.astype(bool)
    ious = bbox_overlaps(dt_boxes, gt_boxes)
    # ignored regions: intersection over the detection's area
    ioa = bbox_overlaps(dt_boxes, gt_boxes[~care], mode='iof')
    for d in np.argsort(-dt_scores, kind='stable'):
        if len(gt_boxes):
            iou = np.where(care & ~matched, ious[d], -1)
            best = int(np.argmax(iou))
            if iou[best] >= iou_thr:
                matched[best] = True
                result[d] = 1
                continue
            if ioa.shape[1] and ioa[d].max() >= iou_thr:
                result[d] = -1
                continue
        result[d] = 0
    return result


def log_average_miss_rate(
        images: Sequence[dict],
        min_height: float = 55,
        max_occlusion: int = 1,
        iou_thr: float = 0.5,
        fppi_points: Optional[np.ndarray] = None,
        height_margin: float = 1.25,
        person_labels: Sequence[str] = ('person', ),
        x_range: Optional[Sequence[float]] = (5, 635),
        y_range: Optional[Sequence[float]] = (5, 507),
        aspect_ratio: Optional[float] = None) -> float:
    """MR^-2: the log-average of the miss rate at FPPI in [1e-2, 1e0].

    Args:
        images (Sequence[dict]): Per image: ``gt_boxes`` (N, 4) xyxy,
            ``gt_labels`` (N,) strings, ``gt_occlusion`` (N,), ``gt_ignore``
            (N,), ``dt_boxes`` (M, 4) and ``dt_scores`` (M,).
        min_height (float): Ground truth shorter than this is ignored.
        max_occlusion (int): Ground truth more occluded is ignored.
        iou_thr (float): Matching threshold. Defaults to 0.5.
        fppi_points (ndarray, optional): FPPI reference points; 9 log-spaced
            points in [1e-2, 1] by default.
        height_margin (float): Detections shorter than
            ``min_height / height_margin`` are discarded, as in the reference
            protocol. Defaults to 1.25.
        person_labels (Sequence[str]): Labels that count as pedestrians; all
            other labels are ignore regions.
        x_range (Sequence[float], optional): Ground truth whose left or
            right edge lies outside ``[x_min, x_max]`` is ignored (bbGt's
            ``xRng``; KAIST: (5, 635)). None: no bound.
        y_range (Sequence[float], optional): Likewise for the top and bottom
            edges (``yRng``; KAIST: (5, 507)).
        aspect_ratio (float, optional): When given (``dbEval.m``: 0.41),
            non-ignored ground truth and all detections are resized about
            their centres to width = ``aspect_ratio`` x height before
            matching. Defaults to None (off).

    Returns:
        float: The log-average miss rate in [0, 1] (nan without any
        pedestrian to find).
    """
    if fppi_points is None:
        fppi_points = np.logspace(-2.0, 0.0, 9)
    scores, is_tp, num_gt = [], [], 0
    for img in images:
        gt = np.asarray(img['gt_boxes'], dtype=np.float64).reshape(-1, 4)
        heights = gt[:, 3] - gt[:, 1]
        ignore = (np.asarray(img['gt_ignore']).astype(bool)
                  | ~np.isin(np.asarray(img['gt_labels']), person_labels)
                  | (heights < min_height)
                  | (np.asarray(img['gt_occlusion']) > max_occlusion))
        for axis, bounds in ((0, x_range), (1, y_range)):
            if bounds is not None:
                edges = gt[:, [axis, axis + 2]]
                ignore |= ((edges < bounds[0]) | (edges > bounds[1])).any(1)
        num_gt += int((~ignore).sum())
        dt = np.asarray(img['dt_boxes'], dtype=np.float64).reshape(-1, 4)
        sc = np.asarray(img['dt_scores'], dtype=np.float64).reshape(-1)
        keep = (dt[:, 3] - dt[:, 1]) >= min_height / height_margin
        dt, sc = dt[keep], sc[keep]
        if aspect_ratio is not None:
            gt = gt.copy()
            gt[~ignore] = _with_aspect_ratio(gt[~ignore], aspect_ratio)
            dt = _with_aspect_ratio(dt, aspect_ratio)
        res = match_image(gt, ignore, dt, sc, iou_thr)
        scores.append(sc[res >= 0])
        is_tp.append(res[res >= 0] == 1)
    if num_gt == 0:
        return float('nan')
    scores = np.concatenate(scores) if scores else np.zeros(0)
    is_tp = np.concatenate(is_tp) if is_tp else np.zeros(0, dtype=bool)
    order = np.argsort(-scores, kind='stable')
    tp = np.cumsum(is_tp[order])
    fp = np.cumsum(~is_tp[order])
    miss = 1.0 - tp / num_gt
    fppi = fp / max(len(images), 1)
    samples = []
    for ref in fppi_points:
        idx = np.nonzero(fppi <= ref)[0]
        samples.append(miss[idx[-1]] if len(idx) else 1.0)
    with np.errstate(divide='ignore'):  # log(0) = -inf: MR 0, as MATLAB
        return float(np.exp(np.mean(np.log(samples))))


def _with_aspect_ratio(boxes: np.ndarray, ratio: float) -> np.ndarray:
    """xyxy boxes resized about their centres to width = ratio x height
    (``bbApply('resize', bb, 1, 0, ratio)``)."""
    centre = (boxes[:, 0] + boxes[:, 2]) / 2
    half = ratio * (boxes[:, 3] - boxes[:, 1]) / 2
    out = boxes.copy()
    out[:, 0], out[:, 2] = centre - half, centre + half
    return out


@METRICS.register_module()
class KAISTMissRateMetric(BaseMetric):
    """KAIST log-average miss rate (MR^-2, lower is better).

    Reports ``MR_{setting}_{split}`` for every setting (default
    'reasonable': height >= 55 px, no or partial occlusion; 'all': height >=
    20 px, any occlusion) and split ('all', 'day', 'night'). Ground truth
    comes from the ``kaist_objects`` and ``illumination`` meta keys that
    :class:`KAISTDataset` provides (pack them with ``PackDetInputs``).

    Args:
        settings (dict, optional): ``{name: dict(min_height, max_occlusion)}``.
        iou_thr (float): Matching IoU. Defaults to 0.5.
        score_thr (float): Detections below are dropped first. Defaults to 0.
        x_range, y_range (Sequence[float], optional): Border bounds of the
            ground truth (see :func:`log_average_miss_rate`). Default to
            KAIST's (5, 635) and (5, 507); None disables one.
        aspect_ratio (float, optional): ``dbEval.m``'s aspect ratio
            standardisation (0.41); None (default) keeps boxes as they are.
        collect_device (str): Defaults to 'cpu'.
        prefix (str, optional): Metric-name prefix. Defaults to 'kaist'.
    """
    default_prefix: Optional[str] = 'kaist'

    def __init__(self,
                 settings: Optional[Dict[str, dict]] = None,
                 iou_thr: float = 0.5,
                 score_thr: float = 0.,
                 x_range: Optional[Sequence[float]] = (5, 635),
                 y_range: Optional[Sequence[float]] = (5, 507),
                 aspect_ratio: Optional[float] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.protocol = dict(x_range=x_range, y_range=y_range,
                             aspect_ratio=aspect_ratio)
        self.settings = settings or DEFAULT_SETTINGS
        self.iou_thr = iou_thr
        self.score_thr = score_thr

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            if 'kaist_objects' not in sample:
                raise KeyError(
                    'KAISTMissRateMetric needs the "kaist_objects" meta key: '
                    'use KAISTDataset and add "kaist_objects" and '
                    '"illumination" to PackDetInputs(meta_keys=...)')
            objs = sample['kaist_objects']
            pred = sample['pred_instances']
            keep = (pred['labels'] == 0) & (pred['scores'] >= self.score_thr)
            self.results.append(
                dict(
                    illumination=sample.get('illumination', 'day'),
                    gt_boxes=np.array([o['bbox'] for o in objs]).reshape(
                        -1, 4),
                    gt_labels=np.array([o['label'] for o in objs]),
                    gt_occlusion=np.array([o['occlusion'] for o in objs]),
                    gt_ignore=np.array([o['ignore'] for o in objs]),
                    dt_boxes=pred['bboxes'][keep].cpu().numpy(),
                    dt_scores=pred['scores'][keep].cpu().numpy()))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        metrics = OrderedDict()
        for name, setting in self.settings.items():
            for split in ('all', 'day', 'night'):
                subset = [
                    r for r in results
                    if split == 'all' or r['illumination'] == split
                ]
                if not subset:
                    continue
                metrics[f'MR_{name}_{split}'] = log_average_miss_rate(
                    subset, iou_thr=self.iou_thr, **self.protocol,
                    **setting)
        return metrics
