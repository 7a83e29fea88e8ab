# Copyright (c) mmunirgbir contributors. All rights reserved.
"""mmdet data preprocessor for 6-channel RGB-IR inputs."""
from typing import Sequence

import torch
from mmdet.models.data_preprocessors import DetDataPreprocessor
from mmengine.registry import MODELS

from .rgbir_channels import RGBIRChannelsMixin, check_rgbir_stats


@MODELS.register_module()
class RGBIRDetDataPreprocessor(RGBIRChannelsMixin, DetDataPreprocessor):
    """:class:`mmdet.DetDataPreprocessor` for (6, H, W) RGB-IR images.

    The stock preprocessor rejects 6-value ``mean``/``std`` and, with
    ``bgr_to_rgb=True``, silently keeps only 3 channels. This one normalises
    each modality with its own statistics and swaps BGR to RGB inside each
    modality; padding, batch augments and everything else are mmdet's.

    Args:
        mean (Sequence[float]): 6 values: RGB mean (in RGB order after the
            swap), then IR mean.
        std (Sequence[float]): 6 values, likewise.
        bgr_to_rgb (bool): Swap to RGB order within each modality.
            Defaults to True.
        route_missing (Sequence[str]): The missing modalities whose place
            the present image takes (the single-modality baseline's input);
            a missing modality not listed stays the blank (black) image of
            the loading or dropping transform. Defaults to ('rgb', 'ir')
            (taken by :class:`RGBIRChannelsMixin`).
        **kwargs: Other :class:`DetDataPreprocessor` arguments
            (``pad_size_divisor``, ``batch_augments``, ...).
    """

    def __init__(self,
                 mean: Sequence[float],
                 std: Sequence[float],
                 bgr_to_rgb: bool = True,
                 **kwargs) -> None:
        check_rgbir_stats(mean, std)
        for key in ('rgb_to_bgr', ):
            if kwargs.get(key):
                raise ValueError(f'{key} is not supported for RGB-IR inputs')
        super().__init__(mean=None, std=None, bgr_to_rgb=False, **kwargs)
        self._enable_normalize = True
        self.register_buffer('mean',
                             torch.tensor(mean).view(-1, 1, 1), False)
        self.register_buffer('std', torch.tensor(std).view(-1, 1, 1), False)
        self.swap_rgbir = bgr_to_rgb
