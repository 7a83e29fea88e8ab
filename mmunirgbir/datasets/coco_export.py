# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Write RGB-IR detection annotations as a FLIR-style COCO dict."""
from typing import List, Sequence


def rgbir_coco_dict(images: List[dict], instances: List[List[dict]],
                    classes: Sequence[str]) -> dict:
    """Build a COCO dict whose image entries carry ``file_name_lwir``.

    Args:
        images (list[dict]): Image entries (``file_name``,
            ``file_name_lwir``, ``width``, ``height`` and any extra fields);
            ids are assigned in order.
        instances (list[list[dict]]): Per image, mmdet-style instances:
            ``bbox`` (x1, y1, x2, y2), ``bbox_label`` and optional
            ``ignore_flag`` (written as ``iscrowd``).
        classes (Sequence[str]): Class names, label i -> category id i + 1.

    Returns:
        dict: ``images``, ``annotations`` and ``categories``.
    """
    coco_images, annotations = [], []
    for image_id, (image, insts) in enumerate(zip(images, instances)):
        coco_images.append(dict(image, id=image_id))
        for inst in insts:
            x1, y1, x2, y2 = inst['bbox']
            annotations.append(
                dict(
                    id=len(annotations) + 1,
                    image_id=image_id,
                    category_id=inst['bbox_label'] + 1,
                    bbox=[x1, y1, x2 - x1, y2 - y1],
                    area=(x2 - x1) * (y2 - y1),
                    iscrowd=int(inst.get('ignore_flag', 0))))
    return dict(
        images=coco_images,
        annotations=annotations,
        categories=[dict(id=i + 1, name=c) for i, c in enumerate(classes)])
