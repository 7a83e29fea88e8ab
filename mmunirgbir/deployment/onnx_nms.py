# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Class-aware NMS that exports as ONNX's own ``NonMaxSuppression``."""
import torch
from torchvision.ops import nms as torchvision_nms

#: ``max_output_boxes_per_class``: every box may stay (one shifted class)
_MAX_OUTPUT = 1 << 30
#: more boxes than any image batch keeps
_MAX_KEPT = 1 << 31


def exportable_batched_nms(boxes: torch.Tensor, scores: torch.Tensor,
                           labels: torch.Tensor, iou_threshold: float,
                           score_threshold: float) -> torch.Tensor:
    """Indices kept by per-class NMS, highest score first.

    mmcv's ``batched_nms`` trick: boxes of different classes are moved
    apart by ``label * (max coordinate + 1)`` so that one class-agnostic NMS
    never suppresses across classes. Boxes scoring ``<= score_threshold``
    are dropped. In eager mode this runs torchvision's NMS; during
    ``torch.onnx.export(..., dynamo=True)`` it becomes one ONNX
    ``NonMaxSuppression`` node (opset >= 11), so no custom op is needed at
    run time.

    Args:
        boxes (Tensor): (N, 4) boxes, x1 y1 x2 y2.
        scores (Tensor): (N, ) scores.
        labels (Tensor): (N, ) class indices.
        iou_threshold (float): IoU above which a lower-scoring box goes.
        score_threshold (float): Scores at or below it are dropped.

    Returns:
        Tensor: (K, ) int64 indices into the N boxes, by descending score.
    """
    offsets = labels.to(boxes) * (boxes.max() + 1)
    shifted = boxes + offsets[:, None]
    if torch.onnx.is_in_onnx_export():
        selected = torch.onnx.ops.symbolic(
            'NonMaxSuppression', [
                shifted[None],
                scores[None, None],
                torch.tensor([_MAX_OUTPUT], dtype=torch.int64),
                torch.tensor([iou_threshold], dtype=torch.float32),
                torch.tensor([score_threshold], dtype=torch.float32),
            ],
            attrs=dict(center_point_box=0),
            dtype=torch.int64,
            shape=[boxes.shape[0], 3],
            version=11)  # (K, 3): batch, class, box index
        return selected[:, 2]
    keep = scores > score_threshold
    index = keep.nonzero()[:, 0]
    return index[torchvision_nms(shifted[index], scores[index],
                                 iou_threshold)]


def per_image_nms(boxes: torch.Tensor, scores: torch.Tensor,
                  groups: torch.Tensor, num_groups: int,
                  images: torch.Tensor, num_images: int,
                  iou_threshold: float, score_threshold: float,
                  max_per_img: int) -> torch.Tensor:
    """NMS of a whole batch at once, as mmdet runs it image by image.

    Boxes suppress each other only within one image and one group (a class,
    or the RPN's pyramid level), by one :func:`exportable_batched_nms` over
    the (image, group) pairs. The kept boxes are ordered by image and, in
    each image, by descending score; each image keeps at most
    ``max_per_img``.

    Args:
        boxes (Tensor): (N, 4) boxes, x1 y1 x2 y2.
        scores (Tensor): (N, ) scores in [0, 1] (below
            ``score_threshold``: dropped).
        groups (Tensor): (N, ) int64 group of each box, < ``num_groups``.
        num_groups (int): Number of groups.
        images (Tensor): (N, ) int64 image of each box, < ``num_images``.
        num_images (int): Batch size.
        iou_threshold (float): IoU above which a lower-scoring box goes.
        score_threshold (float): Scores at or below it are dropped.
        max_per_img (int): Boxes kept per image.

    Returns:
        Tensor: (K, ) int64 indices into the N boxes.
    """
    keep = exportable_batched_nms(boxes, scores, images * num_groups + groups,
                                  iou_threshold, score_threshold)
    image = images[keep]
    # scores lie in [0, 1]: image first, then the higher score
    keep = keep[torch.argsort(image.to(scores) * 2 - scores[keep])]
    image = images[keep]
    same = (image[:, None] == torch.arange(
        num_images, device=image.device)[None]).long()
    rank = (same.cumsum(0) * same).sum(1) - 1
    keep = keep[rank < max_per_img]
    # a finite bound for the exporter's count of kept boxes: unbounded, the
    # next stage's per-class copies overflow its int64 range checks
    torch._check(keep.shape[0] < _MAX_KEPT)
    return keep
