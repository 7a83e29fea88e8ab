# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Class-aware NMS that exports as ONNX's own ``NonMaxSuppression``."""
import torch
from torchvision.ops import nms as torchvision_nms

#: ``max_output_boxes_per_class``: every box may stay (one shifted class)
_MAX_OUTPUT = 1 << 30


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
