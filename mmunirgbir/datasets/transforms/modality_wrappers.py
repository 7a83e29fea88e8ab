# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Apply transforms to one modality of a 6-channel RGB-IR image."""
from typing import List, Optional, Union

import numpy as np
from mmcv.transforms import BaseTransform, Compose
from mmengine.registry import TRANSFORMS

from .rgbir_image import CHANNELS, check_modality, rgbir_image


@TRANSFORMS.register_module()
class ApplyToModality(BaseTransform):
    """Run photometric transforms on the RGB or the IR half of ``img`` only.

    Stock colour transforms (``PhotoMetricDistortion``, ``YOLOXHSVRandomAug``
    ...) assume 3 channels and fail, or would mix modalities, on the 6-channel
    RGB-IR image. This wrapper hands them a 3-channel view and writes the
    result back. The inner transforms must not change the image size.

    Args:
        modality (str): 'rgb' (channels 0-2) or 'ir' (channels 3-5).
        transforms (list[dict]): Transforms to apply to that half.

    Example:
        >>> dict(type='ApplyToModality', modality='rgb',
        ...      transforms=[dict(type='PhotoMetricDistortion')])
    """

    def __init__(self, modality: str,
                 transforms: List[Union[dict, BaseTransform]]) -> None:
        self.modality = check_modality(modality)
        self.transforms = Compose(transforms)

    def transform(self, results: dict) -> Optional[dict]:
        img = rgbir_image(results, 'ApplyToModality')
        sl = CHANNELS[self.modality]
        inner = dict(results, img=np.ascontiguousarray(img[..., sl]))
        inner = self.transforms(inner)
        if inner is None:
            return None
        out = inner['img']
        if out.shape[:2] != img.shape[:2]:
            raise ValueError('transforms inside ApplyToModality must keep the '
                             f'image size ({img.shape[:2]} -> '
                             f'{out.shape[:2]})')
        merged = img.astype(np.result_type(img.dtype, out.dtype), copy=True)
        merged[..., sl] = out
        results['img'] = merged
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(modality={self.modality!r}, '
                f'transforms={self.transforms})')


@TRANSFORMS.register_module()
class IRPhotometricJitter(BaseTransform):
    """Brightness, contrast and gamma jitter for the IR half of ``img``.

    Thermal images have no colour, so only intensity changes apply; the same
    change is applied to the three (identical) IR channels and the RGB half is
    untouched. Each of the three operations fires with probability ``prob``.

    Args:
        brightness_delta (float): Max absolute brightness shift (0-255 scale).
            Defaults to 32.
        contrast_range (tuple[float, float]): Contrast factor range.
            Defaults to (0.5, 1.5).
        gamma_range (tuple[float, float]): Gamma range. Defaults to
            (0.7, 1.5).
        prob (float): Probability of each operation. Defaults to 0.5.
    """

    def __init__(self,
                 brightness_delta: float = 32,
                 contrast_range=(0.5, 1.5),
                 gamma_range=(0.7, 1.5),
                 prob: float = 0.5) -> None:
        self.brightness_delta = brightness_delta
        self.contrast_range = tuple(contrast_range)
        self.gamma_range = tuple(gamma_range)
        self.prob = prob

    def transform(self, results: dict) -> dict:
        img = rgbir_image(results, 'IRPhotometricJitter')
        ir = img[..., 3:].astype(np.float32)
        rng = np.random
        if rng.rand() < self.prob:
            ir = ir + rng.uniform(-self.brightness_delta,
                                  self.brightness_delta)
        if rng.rand() < self.prob:
            mean = ir.mean()
            ir = (ir - mean) * rng.uniform(*self.contrast_range) + mean
        if rng.rand() < self.prob:
            ir = 255.0 * (np.clip(ir, 0, 255) / 255.0)**rng.uniform(
                *self.gamma_range)
        ir = np.clip(ir, 0, 255)
        out = img.copy()
        out[..., 3:] = np.round(ir).astype(np.uint8) if img.dtype == np.uint8 else ir
        results['img'] = out
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(brightness_delta='
                f'{self.brightness_delta}, contrast_range='
                f'{self.contrast_range}, gamma_range={self.gamma_range}, '
                f'prob={self.prob})')
