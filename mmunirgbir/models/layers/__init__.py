# Copyright (c) mmunirgbir contributors. All rights reserved.
from .deformable_sampling import multi_scale_deformable_sampling, sample_levels
from .injection_gate import InjectionGate
from .layer_norm_2d import LayerNorm2d
from .modality_mixing import MultiPerceptionMixing
from .multi_scale_deform_attn import (MultiScaleDeformableAttention,
                                      flatten_levels)
from .multimodal_feature_pool import MultiModalFeaturePool
from .pool_value_projection import folded_pool_values
from .supplementary_feature_injector import SupplementaryFeatureInjector

__all__ = [
    'MultiScaleDeformableAttention', 'flatten_levels', 'MultiPerceptionMixing',
    'MultiModalFeaturePool', 'SupplementaryFeatureInjector', 'InjectionGate',
    'LayerNorm2d', 'multi_scale_deformable_sampling', 'sample_levels',
    'folded_pool_values'
]
