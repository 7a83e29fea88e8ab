# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Channel handling shared by the RGB-IR data preprocessors."""
import math
from typing import List, Sequence, Union

import torch

from ..utils.modality_routing import (MODALITIES, check_routed,
                                      missing_modalities,
                                      route_missing_modality)

#: BGR -> RGB inside each modality of a (6, H, W) RGB-IR image
BGR_TO_RGB_6CH = [2, 1, 0, 5, 4, 3]


def check_rgbir_stats(mean: Sequence[float], std: Sequence[float]) -> None:
    """Both statistics must give one value per channel of the 6, and every
    std must be a usable divisor."""
    for name, val in (('mean', mean), ('std', std)):
        if val is None or len(val) != 6:
            raise ValueError(f'{name} must have 6 values (RGB then IR), got '
                             f'{val}')
    if not all(math.isfinite(v) and v > 0 for v in std):
        raise ValueError(f'std must be positive and finite (the inputs are '
                         f'divided by it), got {list(std)}')


def check_six_channels(inputs: Union[torch.Tensor, List[torch.Tensor]]
                       ) -> None:
    """Raise unless every image of ``inputs`` has 6 channels."""
    if isinstance(inputs, torch.Tensor) and inputs.dim() == 4:
        channels = [inputs.shape[1]]
    else:
        channels = [img.shape[0] for img in inputs]
    bad = [c for c in channels if c != 6]
    if bad:
        raise ValueError(
            f'expected RGB-IR inputs with 6 channels (RGB then IR), got '
            f'{bad[0]}; load pairs with LoadRGBIRImagePair')


def swap_bgr_to_rgb(inputs: Union[torch.Tensor, List[torch.Tensor]]
                    ) -> Union[torch.Tensor, List[torch.Tensor]]:
    """Reverse the channel order within each modality.

    Args:
        inputs (Tensor | list[Tensor]): (6, H, W) images or an (N, 6, H, W)
            batch.

    Returns:
        The same structure with channels ``[2, 1, 0, 5, 4, 3]``.
    """
    if isinstance(inputs, torch.Tensor) and inputs.dim() == 4:
        return inputs[:, BGR_TO_RGB_6CH]
    return [img[BGR_TO_RGB_6CH] for img in inputs]


class RGBIRChannelsMixin:
    """``forward`` of the RGB-IR preprocessors: check 6 channels, swap BGR to
    RGB within each modality (when ``swap_rgbir``), run the host package's
    preprocessing (normalisation, padding, batch augments), then route the
    samples whose ``missing_modality`` metainfo says an image is missing
    (:func:`route_missing_modality`, the modalities of ``route_missing``):
    stock detectors and segmentors call the backbone with the batch alone."""
    swap_rgbir: bool = True

    def __init__(self, *args, route_missing: Sequence[str] = MODALITIES,
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.route_missing = check_routed(route_missing)

    def forward(self, data: dict, training: bool = False) -> dict:
        data = self.cast_data(data)
        check_six_channels(data['inputs'])
        if self.swap_rgbir:
            data['inputs'] = swap_bgr_to_rgb(data['inputs'])
        data = super().forward(data, training)
        samples = data.get('data_samples')
        if samples:
            data['inputs'] = route_missing_modality(
                data['inputs'], missing_modalities(samples),
                self.route_missing)
        return data
