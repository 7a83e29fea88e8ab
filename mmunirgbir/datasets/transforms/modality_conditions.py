# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Degradations of one modality of an RGB-IR pair.

Each transform changes the RGB or the IR half of ``img`` only, right after
:class:`LoadRGBIRImagePair` (at the original resolution). The test-time
ones are reproducible: random ones draw from a generator seeded by ``seed``
and the image's path; ``tools/analysis_tools/robustness_test.py`` names them
as conditions. :class:`RandomModalityExposure` is their training-time
counterpart (a fresh draw per sample).
"""
import zlib
from typing import Sequence

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmengine.registry import TRANSFORMS

from .modality_misalignment import translate
from .rgbir_image import CHANNELS, check_modality, rgbir_image


class _OneModality(BaseTransform):
    """Apply :meth:`change` to one half of the (H, W, 6) ``img``."""

    def __init__(self, modality: str) -> None:
        self.modality = check_modality(modality)

    def change(self, half: np.ndarray, results: dict) -> np.ndarray:
        raise NotImplementedError

    def transform(self, results: dict) -> dict:
        img = rgbir_image(results, type(self).__name__)
        sl = CHANNELS[self.modality]
        half = self.change(img[..., sl].astype(np.float32), results)
        out = img.copy()
        out[..., sl] = np.clip(np.round(half), 0, 255).astype(img.dtype) \
            if img.dtype == np.uint8 else half
        results['img'] = out
        return results


@TRANSFORMS.register_module()
class ShiftModality(_OneModality):
    """Registration error: translate one modality by ``offset`` pixels
    (zero fill), the other stays.

    Args:
        modality (str): 'rgb' or 'ir'. Defaults to 'ir'.
        offset (Sequence[int]): (dx, dy) in pixels of the loaded image.
    """

    def __init__(self, modality: str = 'ir',
                 offset: Sequence[int] = (8, 0)) -> None:
        super().__init__(modality)
        self.offset = tuple(int(v) for v in offset)
        if len(self.offset) != 2:
            raise ValueError(f'offset must be (dx, dy), got {offset}')

    def change(self, half: np.ndarray, results: dict) -> np.ndarray:
        dx, dy = self.offset
        h, w = half.shape[:2]
        if abs(dx) >= w or abs(dy) >= h:
            raise ValueError(f'shift ({dx}, {dy}) is not smaller than the '
                             f'{w}x{h} image {results.get("img_path")}')
        return translate(half, dx, dy)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(modality={self.modality!r}, '
                f'offset={self.offset})')


@TRANSFORMS.register_module()
class ModalityGammaGain(_OneModality):
    """Exposure change: ``255 * gain * (x / 255) ** gamma``, e.g. low light
    (gamma > 1, gain < 1) or over-exposure (gamma < 1, gain > 1).

    Args:
        modality (str): 'rgb' or 'ir'. Defaults to 'rgb'.
        gamma (float): Defaults to 1.
        gain (float): Defaults to 1.
    """

    def __init__(self, modality: str = 'rgb', gamma: float = 1.0,
                 gain: float = 1.0) -> None:
        super().__init__(modality)
        if gamma <= 0 or gain < 0:
            raise ValueError(f'gamma must be > 0 and gain >= 0, got {gamma} '
                             f'and {gain}')
        self.gamma, self.gain = gamma, gain

    def change(self, half: np.ndarray, results: dict) -> np.ndarray:
        return gamma_gain(half, self.gamma, self.gain)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(modality={self.modality!r}, '
                f'gamma={self.gamma}, gain={self.gain})')


def gamma_gain(half: np.ndarray, gamma: float, gain: float) -> np.ndarray:
    """``255 * gain * (x / 255) ** gamma`` of a 0-255 image."""
    return 255.0 * gain * (half / 255.0)**gamma


@TRANSFORMS.register_module()
class RandomModalityExposure(_OneModality):
    """Training augmentation: with probability ``prob`` one modality (RGB by
    default) is darkened or over-exposed (:class:`ModalityGammaGain` with a
    random gamma and gain), so that a fused model learns to lean on the
    other image when this one fails. Low light and over-exposure are equally
    likely; each draws ``gamma`` and ``gain`` uniformly from its ranges.

    Args:
        modality (str): 'rgb' or 'ir'. Defaults to 'rgb'.
        prob (float): Probability of a change. Defaults to 0.5.
        low_light (dict): ``gamma`` and ``gain`` ranges of low light.
            Defaults to ``dict(gamma=(1.5, 3.0), gain=(0.2, 0.7))`` (the
            ``rgb_low_light`` test condition is 2.5 and 0.4).
        over_exposure (dict): The ranges of over-exposure. Defaults to
            ``dict(gamma=(0.4, 0.8), gain=(1.3, 2.2))`` (the
            ``rgb_over_exposed`` condition is 0.5 and 1.8).
    """

    def __init__(self,
                 modality: str = 'rgb',
                 prob: float = 0.5,
                 low_light: dict = dict(gamma=(1.5, 3.0), gain=(0.2, 0.7)),
                 over_exposure: dict = dict(
                     gamma=(0.4, 0.8), gain=(1.3, 2.2))) -> None:
        super().__init__(modality)
        if not 0 <= prob <= 1:
            raise ValueError(f'prob must be in [0, 1], got {prob}')
        self.prob = prob
        self.ranges = []
        for name, ranges in (('low_light', low_light),
                             ('over_exposure', over_exposure)):
            if set(ranges) != {'gamma', 'gain'}:
                raise ValueError(f'{name} needs exactly the keys gamma and '
                                 f'gain, got {sorted(ranges)}')
            (g0, g1), (k0, k1) = ranges['gamma'], ranges['gain']
            if not (0 < g0 <= g1 and 0 <= k0 <= k1):
                raise ValueError(f'{name}: ranges must be increasing, gamma '
                                 f'> 0 and gain >= 0, got {ranges}')
            self.ranges.append(((g0, g1), (k0, k1)))

    def transform(self, results: dict) -> dict:
        if np.random.rand() >= self.prob:
            return results
        return super().transform(results)

    def change(self, half: np.ndarray, results: dict) -> np.ndarray:
        gamma, gain = self.ranges[np.random.randint(2)]
        return gamma_gain(half, np.random.uniform(*gamma),
                          np.random.uniform(*gain))

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(modality={self.modality!r}, '
                f'prob={self.prob}, ranges={self.ranges})')


@TRANSFORMS.register_module()
class ModalityNoise(_OneModality):
    """Gaussian sensor noise of standard deviation ``std`` (0-255 scale),
    the same for the three channels of IR, seeded per image.

    Args:
        modality (str): 'rgb' or 'ir'. Defaults to 'ir'.
        std (float): Defaults to 20.
        seed (int): Defaults to 0.
    """

    def __init__(self, modality: str = 'ir', std: float = 20.0,
                 seed: int = 0) -> None:
        super().__init__(modality)
        if std < 0:
            raise ValueError(f'std must be >= 0, got {std}')
        self.std, self.seed = std, seed

    def change(self, half: np.ndarray, results: dict) -> np.ndarray:
        key = str(results.get('img_path') or results.get('ir_path'))
        rng = np.random.default_rng([self.seed, zlib.crc32(key.encode())])
        shape = half.shape[:2] + ((1, ) if self.modality == 'ir' else (3, ))
        return half + rng.normal(0, self.std, shape).astype(np.float32)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(modality={self.modality!r}, '
                f'std={self.std}, seed={self.seed})')


@TRANSFORMS.register_module()
class ModalityBlur(_OneModality):
    """Gaussian blur (defocus, motion-free) of one modality.

    Args:
        modality (str): 'rgb' or 'ir'. Defaults to 'rgb'.
        sigma (float): Standard deviation in pixels. Defaults to 3.
    """

    def __init__(self, modality: str = 'rgb', sigma: float = 3.0) -> None:
        super().__init__(modality)
        if sigma <= 0:
            raise ValueError(f'sigma must be > 0, got {sigma}')
        self.sigma = sigma

    def change(self, half: np.ndarray, results: dict) -> np.ndarray:
        return cv2.GaussianBlur(half, (0, 0), self.sigma)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(modality={self.modality!r}, '
                f'sigma={self.sigma})')
