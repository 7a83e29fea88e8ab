# Copyright (c) mmunirgbir contributors. All rights reserved.
from .saliency_measures import (adaptive_scores, mae, normalize_pair,
                                s_measure, threshold_curves)

__all__ = [
    'normalize_pair', 'mae', 's_measure', 'threshold_curves',
    'adaptive_scores'
]
