# Copyright (c) mmunirgbir contributors. All rights reserved.
"""mmseg data preprocessor for 6-channel RGB-IR inputs."""
from typing import Sequence

from mmengine.registry import MODELS
from mmseg.models.data_preprocessor import SegDataPreProcessor

from .rgbir_channels import RGBIRChannelsMixin, check_rgbir_stats


@MODELS.register_module()
class RGBIRSegDataPreprocessor(RGBIRChannelsMixin, SegDataPreProcessor):
    """:class:`mmseg.SegDataPreProcessor` for (6, H, W) RGB-IR images.

    The stock preprocessor accepts 6-value statistics but silently skips
    ``bgr_to_rgb`` for 6 channels; this one swaps BGR to RGB inside each
    modality, then normalises and pads images and label maps as mmseg does.

    Args:
        mean (Sequence[float]): 6 values (RGB, then IR).
        std (Sequence[float]): 6 values.
        bgr_to_rgb (bool): Swap to RGB order within each modality.
            Defaults to True.
        route_missing (Sequence[str]): The missing modalities whose place
            the present image takes (the single-modality baseline's input);
            a missing modality not listed stays the blank (black) image of
            the loading or dropping transform. Defaults to ('rgb', 'ir')
            (taken by :class:`RGBIRChannelsMixin`).
        **kwargs: Other :class:`SegDataPreProcessor` arguments (``size``,
            ``size_divisor``, ``pad_val``, ``seg_pad_val``, ...).
    """

    def __init__(self,
                 mean: Sequence[float],
                 std: Sequence[float],
                 bgr_to_rgb: bool = True,
                 **kwargs) -> None:
        check_rgbir_stats(mean, std)
        super().__init__(
            mean=mean, std=std, bgr_to_rgb=False, rgb_to_bgr=False, **kwargs)
        self.swap_rgbir = bgr_to_rgb
