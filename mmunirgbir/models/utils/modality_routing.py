# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Per-sample routing of a missing modality in a normalised RGB-IR batch.

A sample whose RGB image is missing is fed as the IR-only baseline
(``modality='ir'``) would be: its IR half takes the RGB half's place, so the
frozen ViT and both feature-pool stems see IR. A sample without IR is fed as
the RGB-only baseline: both stems see RGB. A model may instead keep a missing
modality's blank (black) image (``routed`` without it): a two-stream model
trained with dark-RGB augmentation reads a black RGB image as a night scene.
The flag travels as the ``missing_modality`` metainfo of a data sample
('rgb', 'ir' or absent / None).
"""
from typing import List, Optional, Sequence, Tuple

import torch

#: the values of the ``missing_modality`` flag
MODALITIES = ('rgb', 'ir')


def check_missing_modality(value, where: str = 'a sample') -> Optional[str]:
    """``value`` as a flag: None, 'rgb' or 'ir'; a clear error otherwise."""
    if value is None or value in MODALITIES:
        return value
    if isinstance(value, (list, tuple, set)) and set(value) >= set(MODALITIES):
        raise ValueError(f'{where} misses both RGB and IR: there is nothing '
                         'to predict from')
    raise ValueError(f'{where}: missing_modality must be None, "rgb" or '
                     f'"ir", got {value!r}')


def missing_modalities(data_samples: Sequence) -> Optional[List[str]]:
    """The ``missing_modality`` of each data sample, or None when no sample
    misses one."""
    missing = [
        check_missing_modality(
            s.metainfo.get('missing_modality'),
            s.metainfo.get('img_path') or s.metainfo.get('ir_path')
            or f'sample {i}') for i, s in enumerate(data_samples)
    ]
    return missing if any(missing) else None


def check_routed(routed: Sequence[str]) -> Tuple[str, ...]:
    """``routed`` as a tuple of modalities; a clear error otherwise."""
    if isinstance(routed, str):
        routed = (routed, )
    routed = tuple(routed)
    bad = [m for m in routed if m not in MODALITIES]
    if bad:
        raise ValueError(f'route_missing takes modalities among {MODALITIES}'
                         f', got {bad[0]!r}')
    return routed


def route_missing_modality(x: torch.Tensor,
                           missing: Optional[Sequence[Optional[str]]],
                           routed: Sequence[str] = MODALITIES
                           ) -> torch.Tensor:
    """Replace each sample's missing half of ``x`` by its present half.

    Args:
        x (Tensor): Normalised (B, 6, H, W) batch, RGB then IR.
        missing (Sequence[str | None], optional): Per sample, the missing
            modality ('rgb', 'ir') or None. None: ``x`` is returned as is.
        routed (Sequence[str]): The missing modalities that are replaced;
            a missing modality not listed keeps its blank image. Defaults
            to both.

    Returns:
        Tensor: ``x`` itself when nothing is routed, else a routed copy.
    """
    routed = check_routed(routed)
    if missing is None:
        return x
    if len(missing) != x.shape[0]:
        raise ValueError(f'{len(missing)} missing-modality flags for a batch '
                         f'of {x.shape[0]}')
    missing = [check_missing_modality(m, f'sample {i}')
               for i, m in enumerate(missing)]
    missing = [m if m in routed else None for m in missing]
    if not any(missing):
        return x
    flags = torch.tensor([[m == 'rgb', m == 'ir'] for m in missing],
                         device=x.device).view(-1, 2, 1, 1, 1)
    rgb, ir = x[:, :3], x[:, 3:]
    return torch.cat([torch.where(flags[:, 0], ir, rgb),
                      torch.where(flags[:, 1], rgb, ir)], dim=1)
