# Copyright (c) mmunirgbir contributors. All rights reserved.
from .foundation_checkpoint import (CheckpointError, fit_pos_embed,
                                    foundation_state, load_foundation,
                                    read_checkpoint, read_foundation,
                                    unwrap_state_dict)
from .modality_routing import (MODALITIES, check_missing_modality,
                               missing_modalities, route_missing_modality)

__all__ = [
    'CheckpointError', 'fit_pos_embed', 'foundation_state', 'load_foundation',
    'read_checkpoint', 'read_foundation', 'unwrap_state_dict', 'MODALITIES',
    'check_missing_modality', 'missing_modalities', 'route_missing_modality'
]
