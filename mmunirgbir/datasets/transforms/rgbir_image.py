# Copyright (c) mmunirgbir contributors. All rights reserved.
"""The (H, W, 6) RGB-IR image that the paired pipelines pass along."""
import numpy as np

#: channels of each modality: RGB (BGR order, as loaded) then IR
CHANNELS = dict(rgb=slice(0, 3), ir=slice(3, 6))


def check_modality(modality: str) -> str:
    """``modality`` if it names one ('rgb' or 'ir'); ValueError otherwise."""
    if modality not in CHANNELS:
        raise ValueError(f'modality must be "rgb" or "ir", got {modality!r}')
    return modality


def rgbir_image(results: dict, user: str) -> np.ndarray:
    """``results['img']``, checked to be an (H, W, 6) RGB-IR image.

    Args:
        results (dict): Pipeline results.
        user (str): Who needs it, for the error message.
    """
    img = results['img']
    if img.ndim != 3 or img.shape[2] != 6:
        raise ValueError(f'{user} expects an (H, W, 6) RGB-IR image, got '
                         f'{img.shape} for {results.get("img_path")}')
    return img
