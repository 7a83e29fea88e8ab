# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Salient-object-detection measures, as SOD papers report them.

Conventions of the standard evaluation toolboxes (and of ``pysodmetrics``):
a prediction in [0, 255] is min-max normalised to [0, 1] per image (MATLAB's
``mapminmax(im2double(.))``); the ground truth is foreground where > 128.
Threshold curves use the 256 levels of ``floor(255 * pred)``; dataset scores
average the per-image curves first and then take their maximum / mean.

- S-measure: Fan et al., "Structure-measure", ICCV 2017 (alpha = 0.5).
- F-measure: beta^2 = 0.3; adaptive threshold ``min(2 * mean(pred), 1)``.
- E-measure: Fan et al., "Enhanced-alignment measure", IJCAI 2018.
- MAE: mean absolute error between the normalised prediction and the mask.
"""
from typing import Dict, Tuple

import numpy as np

EPS = np.spacing(1)


def normalize_pair(pred: np.ndarray,
                   gt: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """uint8-range prediction and mask -> ([0, 1] float64, bool).

    Args:
        pred (ndarray): Prediction in [0, 255] (any dtype).
        gt (ndarray): Ground truth in [0, 255].

    Returns:
        tuple: Min-max normalised prediction and boolean mask.
    """
    if pred.shape != gt.shape:
        raise ValueError(f'prediction {pred.shape} and ground truth '
                         f'{gt.shape} differ in size')
    pred = pred.astype(np.float64) / 255.0
    lo, hi = pred.min(), pred.max()
    if hi != lo:
        pred = (pred - lo) / (hi - lo)
    return pred, gt > 128


def mae(pred: np.ndarray, gt: np.ndarray) -> float:
    """Mean absolute error of a normalised prediction and a mask."""
    return float(np.mean(np.abs(pred - gt)))


def _object_score(x: np.ndarray) -> float:
    mean = x.mean()
    std = x.std(ddof=1) if x.size > 1 else 0.0
    return 2 * mean / (mean * mean + 1 + std + EPS)


def _region_ssim(pred: np.ndarray, gt: np.ndarray) -> float:
    n = pred.size
    x, y = pred.mean(), gt.mean()
    dx, dy = pred - x, gt - y
    var_x = (dx * dx).sum() / (n - 1 + EPS)
    var_y = (dy * dy).sum() / (n - 1 + EPS)
    cov = (dx * dy).sum() / (n - 1 + EPS)
    num = 4 * x * y * cov
    den = (x * x + y * y) * (var_x + var_y)
    if num != 0:
        return num / (den + EPS)
    return 1.0 if den == 0 else 0.0


def s_measure(pred: np.ndarray, gt: np.ndarray, alpha: float = 0.5) -> float:
    """Structure measure: object- and region-aware similarity."""
    fg_ratio = gt.mean()
    if fg_ratio == 0:
        return float(1 - pred.mean())
    if fg_ratio == 1:
        return float(pred.mean())
    obj = fg_ratio * _object_score(pred[gt]) + (1 - fg_ratio) * \
        _object_score(1 - pred[~gt])
    h, w = gt.shape
    cy, cx = np.round(np.argwhere(gt).mean(axis=0))
    cy, cx = int(cy) + 1, int(cx) + 1
    area = h * w
    weights = [cx * cy / area, cy * (w - cx) / area, (h - cy) * cx / area]
    weights.append(1 - sum(weights))
    quads = [(slice(0, cy), slice(0, cx)), (slice(0, cy), slice(cx, w)),
             (slice(cy, h), slice(0, cx)), (slice(cy, h), slice(cx, w))]
    region = sum(
        wt * _region_ssim(pred[q], gt[q].astype(np.float64))
        for wt, q in zip(weights, quads))
    return float(max(0.0, alpha * obj + (1 - alpha) * region))


def _enhanced_alignment(tp, fp, gt_fg: int, size: int) -> np.ndarray:
    """E-measure from counts of a binarised prediction (vectorised)."""
    tp = np.asarray(tp, dtype=np.float64)
    fp = np.asarray(fp, dtype=np.float64)
    pred_fg = tp + fp
    if gt_fg == 0:
        total = size - pred_fg
    elif gt_fg == size:
        total = pred_fg
    else:
        fn = gt_fg - tp
        tn = size - pred_fg - fn
        mean_p = pred_fg / size
        mean_g = gt_fg / size
        total = 0.0
        for count, p, g in ((tp, 1, 1), (fp, 1, 0), (fn, 0, 1), (tn, 0, 0)):
            a, b = p - mean_p, g - mean_g
            align = 2 * a * b / (a * a + b * b + EPS)
            total = total + count * (align + 1)**2 / 4
    return total / (size - 1 + EPS)


def threshold_curves(pred: np.ndarray,
                     gt: np.ndarray,
                     beta2: float = 0.3) -> Dict[str, np.ndarray]:
    """F-measure, precision, recall and E-measure at the 256 thresholds.

    Returns:
        dict: ``fm``, ``precision``, ``recall``, ``em``; index k is the
        threshold ``255 - k`` on ``floor(255 * pred)`` (pixels >= it are
        foreground).
    """
    levels = (pred * 255).astype(np.uint8)
    fg = np.bincount(levels[gt], minlength=256)[::-1].cumsum()
    bg = np.bincount(levels[~gt], minlength=256)[::-1].cumsum()
    gt_fg = int(gt.sum())
    predicted = fg + bg
    precision = fg / np.where(predicted == 0, 1, predicted)
    recall = fg / max(gt_fg, 1)
    num = (1 + beta2) * precision * recall
    fm = num / np.where(num == 0, 1, beta2 * precision + recall)
    em = _enhanced_alignment(fg, bg, gt_fg, gt.size)
    return dict(fm=fm, precision=precision, recall=recall, em=em)


def adaptive_scores(pred: np.ndarray,
                    gt: np.ndarray,
                    beta2: float = 0.3) -> Tuple[float, float]:
    """F- and E-measure at the adaptive threshold ``min(2 mean, 1)``."""
    binary = pred >= min(2 * pred.mean(), 1.0)
    tp = int(np.count_nonzero(binary & gt))
    fp = int(np.count_nonzero(binary & ~gt))
    gt_fg = int(gt.sum())
    if tp == 0:
        fm = 0.0
    else:
        precision, recall = tp / (tp + fp), tp / gt_fg
        fm = (1 + beta2) * precision * recall / (beta2 * precision + recall)
    em = float(_enhanced_alignment(tp, fp, gt_fg, gt.size))
    return float(fm), em
