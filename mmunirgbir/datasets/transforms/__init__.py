# Copyright (c) mmunirgbir contributors. All rights reserved.
from .loading import LoadRGBIRImagePair, ir_to_uint8
from .modality_conditions import (ModalityBlur, ModalityGammaGain,
                                  ModalityNoise, RandomModalityExposure,
                                  ShiftModality)
from .modality_dropout import (DropModality, RandomModalityDrop,
                               pack_missing_modality)
from .modality_misalignment import RandomModalityMisalign, WarpModality
from .modality_wrappers import ApplyToModality, IRPhotometricJitter
from .seg_annotations import LoadRGBIRSegAnnotations, LoadSaliencyAnnotations

__all__ = [
    'LoadRGBIRImagePair', 'ir_to_uint8', 'ApplyToModality',
    'IRPhotometricJitter', 'LoadRGBIRSegAnnotations',
    'LoadSaliencyAnnotations', 'RandomModalityDrop', 'DropModality',
    'pack_missing_modality', 'ShiftModality', 'ModalityGammaGain',
    'ModalityNoise', 'ModalityBlur', 'RandomModalityExposure',
    'RandomModalityMisalign', 'WarpModality'
]
