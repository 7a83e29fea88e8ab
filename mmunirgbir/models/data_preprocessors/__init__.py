# Copyright (c) mmunirgbir contributors. All rights reserved.
from .rgbir_det_data_preprocessor import RGBIRDetDataPreprocessor
from .rgbir_seg_data_preprocessor import RGBIRSegDataPreprocessor

__all__ = ['RGBIRDetDataPreprocessor', 'RGBIRSegDataPreprocessor']
