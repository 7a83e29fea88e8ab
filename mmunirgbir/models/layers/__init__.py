# Copyright (c) mmunirgbir contributors. All rights reserved.
from .deformable_sampling import sample_levels
from .feature_pool import FeaturePool
from .injection_gate import InjectionGate
from .layer_norm_2d import LayerNorm2d
from .modality_alignment import ModalityAlignment, sample_displaced
from .modality_mixing import MultiPerceptionMixing
from .multimodal_feature_pool import MultiModalFeaturePool
from .stream_fusion import StreamFusion
from .supplementary_feature_injector import SupplementaryFeatureInjector
from .value_map_deformable_attention import ValueMapDeformableAttention

__all__ = [
    'ValueMapDeformableAttention', 'MultiPerceptionMixing',
    'MultiModalFeaturePool', 'FeaturePool', 'SupplementaryFeatureInjector',
    'InjectionGate', 'StreamFusion', 'ModalityAlignment', 'sample_displaced',
    'LayerNorm2d', 'sample_levels'
]
