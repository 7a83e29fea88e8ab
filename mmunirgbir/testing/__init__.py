# Copyright (c) mmunirgbir contributors. All rights reserved.
from .synthetic_rgbir import CLASSES, make_synthetic_detection_set
from .synthetic_segmentation import make_synthetic_segmentation_set

__all__ = [
    'CLASSES', 'make_synthetic_detection_set',
    'make_synthetic_segmentation_set'
]
