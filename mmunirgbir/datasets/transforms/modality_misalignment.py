# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Registration errors between the two cameras: a fixed one as a test-time
condition (:class:`WarpModality`), a random one as training augmentation
(:class:`RandomModalityMisalign`).

One modality's half of the (H, W, 6) image is moved by a similarity
transform about the image centre: translation ``(dx, dy)`` in pixels,
``scale`` and ``rotate`` (degrees, counter-clockwise), zero fill. The
labels stay with the labelled modality: when that is the moved one, boxes
(the box around the moved corners, clipped) and label maps move with it.
"""
from typing import Optional, Sequence, Tuple, Union

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmengine.registry import TRANSFORMS

from .rgbir_image import CHANNELS, check_modality, rgbir_image


def similarity_matrix(width: int, height: int, offset: Sequence[float],
                      scale: float = 1.0, rotate: float = 0.0) -> np.ndarray:
    """The 2x3 matrix of a scale and rotation about the image centre
    followed by a translation of ``offset`` = (dx, dy) pixels."""
    centre = ((width - 1) / 2, (height - 1) / 2)
    matrix = cv2.getRotationMatrix2D(centre, rotate, scale)
    matrix[:, 2] += np.asarray(offset, dtype=np.float64)
    return matrix


def _is_translation(matrix: np.ndarray) -> bool:
    return np.allclose(matrix[:, :2], np.eye(2)) and np.allclose(
        matrix[:, 2], np.round(matrix[:, 2]))


def translate(half: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """An exact integer shift with zero fill."""
    h, w = half.shape[:2]
    out = np.zeros_like(half)
    if abs(dx) < w and abs(dy) < h:
        out[max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
            half[max(-dy, 0):h + min(-dy, 0), max(-dx, 0):w + min(-dx, 0)]
    return out


def warp_modality(results: dict, modality: str, matrix: np.ndarray,
                  label_modality: Optional[str], user: str) -> dict:
    """Move ``modality``'s half of ``results['img']`` by ``matrix``; move
    boxes and label maps too when they belong to that modality
    (``label_modality`` None: they never move)."""
    img = rgbir_image(results, user)
    h, w = img.shape[:2]
    sl = CHANNELS[modality]
    out = img.copy()
    if _is_translation(matrix):
        out[..., sl] = translate(img[..., sl], int(round(matrix[0, 2])),
                                  int(round(matrix[1, 2])))
    else:
        out[..., sl] = cv2.warpAffine(
            np.ascontiguousarray(img[..., sl]), matrix, (w, h),
            flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
            borderValue=0).reshape(h, w, -1)
    results['img'] = out
    if label_modality == modality:
        _warp_labels(results, matrix, w, h)
    return results


def _warp_labels(results: dict, matrix: np.ndarray, w: int, h: int) -> None:
    boxes = results.get('gt_bboxes')
    if boxes is not None and len(boxes):
        array = boxes.numpy() if hasattr(boxes, 'numpy') else np.asarray(
            boxes)
        x1, y1, x2, y2 = array[:, :4].T
        corners = np.stack([
            np.stack([x, y], -1)
            for x, y in ((x1, y1), (x2, y1), (x1, y2), (x2, y2))
        ], 1)  # (N, 4, 2)
        moved = corners @ matrix[:, :2].T + matrix[:, 2]
        new = np.concatenate([moved.min(1), moved.max(1)], -1)
        new[:, 0::2] = new[:, 0::2].clip(0, w)
        new[:, 1::2] = new[:, 1::2].clip(0, h)
        new = new.astype(array.dtype)
        if hasattr(boxes, 'numpy'):  # mmdet box type
            results['gt_bboxes'] = type(boxes)(new)
        else:
            results['gt_bboxes'] = new
    seg = results.get('gt_seg_map')
    if seg is not None:
        results['gt_seg_map'] = cv2.warpAffine(
            seg, matrix, (w, h), flags=cv2.INTER_NEAREST,
            borderMode=cv2.BORDER_CONSTANT, borderValue=255)


@TRANSFORMS.register_module()
class WarpModality(BaseTransform):
    """Test-time registration error: move one modality by a fixed
    translation, scale and rotation (see the module docstring).

    Args:
        modality (str): 'rgb' or 'ir'. Defaults to 'ir'.
        offset (Sequence[float]): (dx, dy) in pixels of the loaded image.
            Defaults to (0, 0).
        scale (float): Defaults to 1.
        rotate (float): Degrees, counter-clockwise. Defaults to 0.
    """

    def __init__(self, modality: str = 'ir',
                 offset: Sequence[float] = (0, 0),
                 scale: float = 1.0, rotate: float = 0.0) -> None:
        self.modality = check_modality(modality)
        self.offset = tuple(float(v) for v in offset)
        if len(self.offset) != 2:
            raise ValueError(f'offset must be (dx, dy), got {offset}')
        if scale <= 0:
            raise ValueError(f'scale must be > 0, got {scale}')
        self.scale, self.rotate = float(scale), float(rotate)

    def transform(self, results: dict) -> dict:
        h, w = rgbir_image(results, type(self).__name__).shape[:2]
        dx, dy = self.offset
        if abs(dx) >= w or abs(dy) >= h:
            raise ValueError(f'shift ({dx:g}, {dy:g}) is not smaller than '
                             f'the {w}x{h} image {results.get("img_path")}')
        matrix = similarity_matrix(w, h, self.offset, self.scale,
                                   self.rotate)
        # a test condition never moves the labels
        return warp_modality(results, self.modality, matrix, None,
                             type(self).__name__)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(modality={self.modality!r}, '
                f'offset={self.offset}, scale={self.scale}, '
                f'rotate={self.rotate})')


@TRANSFORMS.register_module()
class RandomModalityMisalign(BaseTransform):
    """Training augmentation for misregistered cameras: with probability
    ``prob`` one modality is moved by a random similarity transform, one
    draw per sample. Place it right after loading, before the geometric
    transforms (which then keep the misalignment).

    Args:
        modality (str): The modality that moves. Defaults to 'ir'.
        max_shift (int | float): Largest translation along each axis:
            pixels (int) or a fraction of the width / height (float).
            Defaults to 0.05.
        max_scale (float): The scale is drawn from
            ``[1 - max_scale, 1 + max_scale]``. Defaults to 0.
        max_rotate (float): The rotation is drawn from
            ``[-max_rotate, max_rotate]`` degrees. Defaults to 0.
        prob (float): Probability of a misalignment. Defaults to 1.
        label_modality (str): The modality the boxes and label maps belong
            to: 'rgb' or 'ir'. When it is ``modality``, they move with it.
            Defaults to 'rgb'.
    """

    def __init__(self,
                 modality: str = 'ir',
                 max_shift: Union[int, float] = 0.05,
                 max_scale: float = 0.0,
                 max_rotate: float = 0.0,
                 prob: float = 1.0,
                 label_modality: str = 'rgb') -> None:
        self.modality = check_modality(modality)
        self.label_modality = check_modality(label_modality)
        if isinstance(max_shift, float) and not 0 <= max_shift < 1:
            raise ValueError('a fractional max_shift must be in [0, 1), got '
                             f'{max_shift}')
        if max_shift < 0 or not 0 <= max_scale < 1 or max_rotate < 0:
            raise ValueError('max_shift and max_rotate must be >= 0 and '
                             f'max_scale in [0, 1), got {max_shift}, '
                             f'{max_rotate} and {max_scale}')
        if not 0 <= prob <= 1:
            raise ValueError(f'prob must be in [0, 1], got {prob}')
        self.max_shift, self.max_scale = max_shift, max_scale
        self.max_rotate, self.prob = max_rotate, prob

    def _max_shift(self, w: int, h: int) -> Tuple[float, float]:
        if isinstance(self.max_shift, float):
            return self.max_shift * w, self.max_shift * h
        return float(self.max_shift), float(self.max_shift)

    def transform(self, results: dict) -> dict:
        if np.random.rand() >= self.prob:
            return results
        h, w = rgbir_image(results, type(self).__name__).shape[:2]
        mx, my = self._max_shift(w, h)
        offset = (np.random.uniform(-mx, mx), np.random.uniform(-my, my))
        scale = 1 + np.random.uniform(-self.max_scale, self.max_scale)
        rotate = np.random.uniform(-self.max_rotate, self.max_rotate)
        if self.max_scale == 0 and self.max_rotate == 0:
            offset = tuple(float(round(v)) for v in offset)  # exact shifts
        results['misalignment'] = (offset[0], offset[1], scale, rotate)
        return warp_modality(results, self.modality,
                             similarity_matrix(w, h, offset, scale, rotate),
                             self.label_modality, type(self).__name__)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(modality={self.modality!r}, '
                f'max_shift={self.max_shift}, max_scale={self.max_scale}, '
                f'max_rotate={self.max_rotate}, prob={self.prob}, '
                f'label_modality={self.label_modality!r})')
