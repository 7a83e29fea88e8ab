# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Drop one modality of an RGB-IR pair: at random in training, on purpose at
test time. The dropped half is blanked and flagged as ``missing_modality``;
the RGB-IR data preprocessors then feed the sample as the other modality's
baseline (a blank image never reaches the ViT)."""
import inspect
from typing import List, Optional

import numpy as np
from mmcv.transforms import BaseTransform
from mmengine.registry import TRANSFORMS

from .rgbir_image import CHANNELS, check_modality, rgbir_image
#: the pack transforms whose ``meta_keys`` must carry the flag
PACKERS = ('PackDetInputs', 'PackSegInputs')


def blank_modality(results: dict, modality: str) -> dict:
    """Zero ``modality``'s half of ``results['img']`` and flag it missing."""
    img = rgbir_image(results, 'dropping a modality')
    if results.get('missing_modality') not in (None, modality):
        raise ValueError(f'{results.get("img_path")}: '
                         f'{results["missing_modality"]} is already missing; '
                         f'dropping {modality} too leaves nothing')
    img = img.copy()
    img[..., CHANNELS[modality]] = 0
    results['img'] = img
    results['missing_modality'] = modality
    return results


@TRANSFORMS.register_module()
class RandomModalityDrop(BaseTransform):
    """Modality dropout for training one model for RGB+IR, RGB and IR.

    With probability ``rgb_prob`` the RGB half is dropped, with ``ir_prob``
    the IR half, never both (one uniform draw decides). Boxes, labels and
    label maps are untouched. Place it after the loading transforms and
    add ``'missing_modality'`` to the pack transform's ``meta_keys`` (the
    configs of this package do).

    Args:
        rgb_prob (float): Probability of dropping RGB. Defaults to 0.15.
        ir_prob (float): Probability of dropping IR. Defaults to 0.15.
    """

    def __init__(self, rgb_prob: float = 0.15, ir_prob: float = 0.15) -> None:
        if not (0 <= rgb_prob <= 1 and 0 <= ir_prob <= 1
                and rgb_prob + ir_prob <= 1):
            raise ValueError('rgb_prob and ir_prob must be in [0, 1] with a '
                             f'sum <= 1, got {rgb_prob} and {ir_prob}')
        self.rgb_prob = rgb_prob
        self.ir_prob = ir_prob

    def transform(self, results: dict) -> dict:
        if results.get('missing_modality') is not None:
            return results  # already single-modality
        draw = np.random.rand()
        if draw < self.rgb_prob:
            return blank_modality(results, 'rgb')
        if draw < self.rgb_prob + self.ir_prob:
            return blank_modality(results, 'ir')
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(rgb_prob={self.rgb_prob}, '
                f'ir_prob={self.ir_prob})')


@TRANSFORMS.register_module()
class DropModality(BaseTransform):
    """Test-time condition: the RGB or the IR image is missing.

    Args:
        modality (str): 'rgb' or 'ir'.
    """

    def __init__(self, modality: str) -> None:
        self.modality = check_modality(modality)

    def transform(self, results: dict) -> dict:
        return blank_modality(results, self.modality)

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(modality={self.modality!r})'


def pack_missing_modality(pipeline: List[dict]) -> List[dict]:
    """``pipeline`` with ``'missing_modality'`` in its pack transform's
    ``meta_keys`` (the pack transform's defaults when it names none)."""
    out = []
    for t in pipeline:
        if isinstance(t, dict) and t.get('type') in PACKERS:
            keys: Optional[tuple] = t.get('meta_keys')
            if keys is None:
                keys = inspect.signature(_packer(t['type'])).parameters[
                    'meta_keys'].default
            if 'missing_modality' not in keys:
                t = dict(t, meta_keys=tuple(keys) + ('missing_modality', ))
        out.append(t)
    return out


def _packer(name: str) -> type:
    if name == 'PackDetInputs':
        from mmdet.datasets.transforms import PackDetInputs
        return PackDetInputs
    from mmseg.datasets.transforms import PackSegInputs
    return PackSegInputs
