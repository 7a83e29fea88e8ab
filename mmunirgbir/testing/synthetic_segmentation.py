# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Deterministic synthetic RGB-IR segmentation / saliency sets for tests.

Each scene has warm objects (bright in IR, dim in RGB at night) whose class
is written to a label map; the same scenes are written in the native layouts
of MFNet (4-channel RGB-T PNGs), folder datasets (PST900 / FMB style) and
RGB-T saliency sets (VT5000 style).
"""
import os
import os.path as osp
from typing import Sequence, Tuple

import cv2
import numpy as np


def _scene(rng, h, w, num_classes):
    rgb = np.clip(
        rng.normal(120, 25, (h, w, 3)) * rng.uniform(0.1, 1.0), 0,
        255).astype(np.uint8)
    ir = np.clip(rng.normal(60, 10, (h, w)), 0, 255).astype(np.uint8)
    label = np.zeros((h, w), np.uint8)
    for _ in range(int(rng.integers(1, 4))):
        cls = int(rng.integers(1, num_classes))
        rh, rw = int(rng.integers(h // 6, h // 2)), int(rng.integers(
            w // 6, w // 2))
        y, x = int(rng.integers(0, h - rh)), int(rng.integers(0, w - rw))
        label[y:y + rh, x:x + rw] = cls
        rgb[y:y + rh, x:x + rw] = rng.uniform(0, 255, 3)
        ir[y:y + rh, x:x + rw] = 110 + (140 * cls) // num_classes
    return rgb, ir, label


def make_synthetic_segmentation_set(root: str,
                                    layout: str,
                                    num_images: int = 4,
                                    size: Tuple[int, int] = (96, 128),
                                    num_classes: int = 9,
                                    names: Sequence[str] = (),
                                    seed: int = 0) -> str:
    """Write a small set in a native layout and return its root.

    Args:
        root (str): Output folder.
        layout (str): 'mfnet' (``images/`` 4-channel PNGs, ``labels/``,
            ``train.txt`` / ``test.txt``), 'folders' (``rgb/``,
            ``thermal/``, ``labels/``, PST900's), 'fmb' (``Visible/``,
            ``Infrared/``, ``Label/``) or 'saliency' (``RGB/`` jpg, ``T/``
            jpg, ``GT/`` 0/255 png).
        num_images (int): Number of scenes. Defaults to 4.
        size (tuple[int, int]): (height, width). Defaults to (96, 128).
        num_classes (int): Label values are in ``[0, num_classes)``.
        names (Sequence[str]): File stems (default ``0000``, ``0001``...).
        seed (int): Random seed.
    """
    rng = np.random.default_rng(seed)
    names = list(names) or [f'{i:04d}' for i in range(num_images)]
    dirs = dict(
        mfnet=('images', None, 'labels'),
        folders=('rgb', 'thermal', 'labels'),
        fmb=('Visible', 'Infrared', 'Label'),
        saliency=('RGB', 'T', 'GT'))[layout]
    for d in dirs:
        if d:
            os.makedirs(osp.join(root, d), exist_ok=True)
    for name in names:
        rgb, ir, label = _scene(rng, size[0], size[1], num_classes)
        if layout == 'mfnet':
            cv2.imwrite(osp.join(root, 'images', name + '.png'),
                        np.dstack([rgb, ir]))
            cv2.imwrite(osp.join(root, 'labels', name + '.png'), label)
        elif layout in ('folders', 'fmb'):
            for d, image in zip(dirs, (rgb, ir, label)):
                cv2.imwrite(osp.join(root, d, name + '.png'), image)
        else:
            cv2.imwrite(osp.join(root, 'RGB', name + '.jpg'), rgb)
            cv2.imwrite(osp.join(root, 'T', name + '.jpg'), ir)
            cv2.imwrite(osp.join(root, 'GT', name + '.png'),
                        (label > 0).astype(np.uint8) * 255)
    if layout == 'mfnet':
        for split in ('train', 'val', 'test'):
            with open(osp.join(root, f'{split}.txt'), 'w') as f:
                f.write('\n'.join(names) + '\n')
    return root
