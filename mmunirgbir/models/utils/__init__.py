# Copyright (c) mmunirgbir contributors. All rights reserved.
from .modality_routing import (MODALITIES, check_missing_modality,
                               missing_modalities, route_missing_modality)

__all__ = [
    'MODALITIES', 'check_missing_modality', 'missing_modalities',
    'route_missing_modality'
]
