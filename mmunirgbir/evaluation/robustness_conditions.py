# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Named test-time conditions for the robustness test.

A condition is a list of transforms inserted right after
:class:`LoadRGBIRImagePair` in every test pipeline of a config: the model and
its evaluator stay those of the config.
"""
import copy
import re
from typing import Dict, List, Optional, Tuple

from ..datasets.transforms import pack_missing_modality
from ..utils.config_walk import visit_dicts

#: condition name -> transforms (and the patterns below: ``ir_shift_<k>``,
#: ``ir_shift_<dx>_<dy>``, ``ir_scale_<s>``, ``ir_rotate_<degrees>``)
CONDITIONS: Dict[str, List[dict]] = {
    'clean': [],
    'rgb_missing': [dict(type='DropModality', modality='rgb')],
    'ir_missing': [dict(type='DropModality', modality='ir')],
    'rgb_low_light': [dict(type='ModalityGammaGain', modality='rgb',
                           gamma=2.5, gain=0.4)],
    'rgb_over_exposed': [dict(type='ModalityGammaGain', modality='rgb',
                              gamma=0.5, gain=1.8)],
    'ir_noise': [dict(type='ModalityNoise', modality='ir', std=20.0,
                      seed=0)],
    'rgb_blur': [dict(type='ModalityBlur', modality='rgb', sigma=3.0)],
    'ir_blur': [dict(type='ModalityBlur', modality='ir', sigma=3.0)],
}
DEFAULT_CONDITIONS = ('clean', 'rgb_missing', 'ir_missing', 'ir_shift_4',
                      'ir_shift_8', 'ir_shift_16', 'rgb_low_light',
                      'rgb_over_exposed', 'ir_noise', 'rgb_blur', 'ir_blur')
_SHIFT = re.compile(r'^ir_shift_(-?\d+)(?:_(-?\d+))?$')
_SCALE = re.compile(r'^ir_scale_(\d+(?:\.\d+)?)$')
_ROTATE = re.compile(r'^ir_rotate_(-?\d+(?:\.\d+)?)$')


def condition_transforms(name: str) -> List[dict]:
    """The transforms of the condition ``name``."""
    if name in CONDITIONS:
        return copy.deepcopy(CONDITIONS[name])
    shift = condition_shift(name)
    if shift is not None:  # clean is in CONDITIONS
        return [dict(type='ShiftModality', modality='ir', offset=shift)]
    scale, rotate = _SCALE.match(name), _ROTATE.match(name)
    if scale and float(scale.group(1)) > 0:
        return [dict(type='WarpModality', modality='ir',
                     scale=float(scale.group(1)))]
    if rotate:
        return [dict(type='WarpModality', modality='ir',
                     rotate=float(rotate.group(1)))]
    raise ValueError(
        f'unknown condition {name!r}; known: {", ".join(CONDITIONS)}, '
        'ir_shift_<pixels>, ir_shift_<dx>_<dy>, ir_scale_<s> (s > 0), '
        'ir_rotate_<degrees>')


def condition_shift(name: str) -> Optional[Tuple[int, int]]:
    """The IR shift (dx, dy) of a condition: (0, 0) for ``clean``, the
    offset of ``ir_shift_<k>`` / ``ir_shift_<dx>_<dy>``, None otherwise."""
    if name == 'clean':
        return (0, 0)
    shift = _SHIFT.match(name)
    if shift is None:
        return None
    return (int(shift.group(1)), int(shift.group(2) or 0))


def with_condition(dataset: dict, name: str) -> dict:
    """A copy of a (possibly wrapped) dataset config whose every pipeline
    applies the condition ``name`` after loading and packs the
    missing-modality flag."""
    extra = condition_transforms(name)
    dataset = copy.deepcopy(dataset)
    found = []

    def insert(node: dict) -> None:
        if 'pipeline' not in node:
            return
        pipeline = list(node['pipeline'])
        loads = [i for i, t in enumerate(pipeline)
                 if t.get('type') == 'LoadRGBIRImagePair']
        if not loads:
            raise ValueError('a test pipeline without LoadRGBIRImagePair: '
                             f'{[t.get("type") for t in pipeline]}')
        pipeline[loads[0] + 1:loads[0] + 1] = copy.deepcopy(extra)
        node['pipeline'] = pack_missing_modality(pipeline)
        found.append(node)

    visit_dicts(dataset, insert)
    if not found:
        raise ValueError('the test dataset config has no pipeline')
    return dataset
