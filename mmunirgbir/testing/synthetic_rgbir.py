# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Deterministic synthetic RGB-IR detection data for demos and tests.

The scenes mimic what makes RGB-IR fusion useful: people are warm (bright in
the thermal image) but at night almost invisible in the visible image; cars
are visible in daylight and only moderately warm; some cold clutter is
visible in RGB only. Nothing here is real data, so it may live in the
repository's outputs freely.
"""
import json
import os
import os.path as osp
from typing import Dict, List, Tuple

import cv2
import numpy as np

from ..datasets.coco_export import rgbir_coco_dict

CLASSES = ('person', 'car')


def _scene(rng: np.random.Generator, height: int, width: int,
           night: bool) -> Tuple[np.ndarray, np.ndarray, List[dict]]:
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    base = rng.uniform(90, 170, size=3)
    tilt = rng.uniform(-0.3, 0.3, size=3)
    rgb = base[None, None, :] + tilt[None, None, :] * (yy[..., None] - height
                                                       / 2)
    rgb += rng.normal(0, 8, size=(height, width, 3))
    ir = 60 + 0.15 * yy + rng.normal(0, 6, size=(height, width))
    objects = []
    taken = np.zeros((height, width), dtype=bool)
    for _ in range(int(rng.integers(1, 5))):
        cls = int(rng.integers(0, len(CLASSES)))
        if cls == 0:  # person: tall, hot
            h = int(rng.integers(height // 5, height // 2))
            w = max(4, int(h * rng.uniform(0.3, 0.45)))
        else:  # car: wide, warm
            w = int(rng.integers(width // 6, width // 3))
            h = max(4, int(w * rng.uniform(0.45, 0.65)))
        x1 = int(rng.integers(0, width - w))
        y1 = int(rng.integers(0, height - h))
        if taken[y1:y1 + h, x1:x1 + w].any():
            continue
        taken[y1:y1 + h, x1:x1 + w] = True
        color = rng.uniform(0, 255, size=3)
        center = (x1 + w // 2, y1 + h // 2)
        if cls == 0:
            mask = np.zeros((height, width), np.uint8)
            cv2.ellipse(mask, center, (w // 2, h // 2), 0, 0, 360, 1, -1)
            cv2.circle(mask, (center[0], y1 + max(2, w // 3)),
                       max(2, w // 3), 1, -1)
            m = mask.astype(bool)
            heat = rng.uniform(190, 240)
        else:
            m = np.zeros((height, width), bool)
            m[y1 + h // 4:y1 + h, x1:x1 + w] = True
            m[y1:y1 + h // 4, x1 + w // 5:x1 + 4 * w // 5] = True
            heat = rng.uniform(120, 160)
        rgb[m] = color
        ir[m] = heat + rng.normal(0, 5, size=int(m.sum()))
        ys, xs = np.nonzero(m)
        objects.append(
            dict(
                category=cls,
                bbox=[
                    float(xs.min()),
                    float(ys.min()),
                    float(xs.max() + 1),
                    float(ys.max() + 1)
                ]))
    # cold clutter: visible in RGB only
    for _ in range(int(rng.integers(0, 3))):
        w, h = (int(v) for v in rng.integers(6, 20, size=2))
        x1, y1 = int(rng.integers(0, width - w)), int(rng.integers(
            0, height - h))
        rgb[y1:y1 + h, x1:x1 + w] = rng.uniform(0, 255, size=3)
    if night:
        rgb = rgb * 0.12 + rng.normal(0, 3, size=rgb.shape)
    rgb = np.clip(rgb, 0, 255).astype(np.uint8)
    ir = np.clip(ir, 0, 255).astype(np.uint8)
    return rgb, ir, objects


def make_synthetic_detection_set(root: str,
                                 num_images: int = 64,
                                 size: Tuple[int, int] = (128, 160),
                                 split: str = 'train',
                                 seed: int = 0,
                                 night_ratio: float = 0.5) -> Dict[str, str]:
    """Write a paired RGB-IR detection set with a FLIR-style COCO json.

    Layout::

        root/{split}/visible/NNNN.png   RGB (BGR-encoded PNG)
        root/{split}/infrared/NNNN.png  8-bit grey thermal
        root/{split}.json               COCO json, image entries with
                                        ``file_name`` and ``file_name_lwir``

    Args:
        root (str): Output folder.
        num_images (int): Number of pairs. Defaults to 64.
        size (tuple[int, int]): (height, width). Defaults to (128, 160).
        split (str): Split name. Defaults to 'train'.
        seed (int): Random seed; the same seed gives the same bytes.
        night_ratio (float): Share of night scenes. Defaults to 0.5.

    Returns:
        dict: ``ann_file`` and ``img_prefix`` paths.
    """
    rng = np.random.default_rng(seed)
    folder = osp.join(root, split)
    os.makedirs(osp.join(folder, 'visible'), exist_ok=True)
    os.makedirs(osp.join(folder, 'infrared'), exist_ok=True)
    images, instances = [], []
    for i in range(num_images):
        night = bool(rng.random() < night_ratio)
        rgb, ir, objects = _scene(rng, size[0], size[1], night)
        name = f'{i:04d}.png'
        cv2.imwrite(osp.join(folder, 'visible', name), rgb)
        cv2.imwrite(osp.join(folder, 'infrared', name), ir)
        images.append(
            dict(
                file_name=f'visible/{name}',
                file_name_lwir=f'infrared/{name}',
                height=size[0],
                width=size[1],
                illumination='night' if night else 'day'))
        instances.append([
            dict(bbox=o['bbox'], bbox_label=o['category']) for o in objects
        ])
    ann_file = osp.join(root, f'{split}.json')
    with open(ann_file, 'w') as f:
        json.dump(rgbir_coco_dict(images, instances, CLASSES), f)
    return dict(ann_file=ann_file, img_prefix=folder)
