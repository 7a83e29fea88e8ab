# Copyright (c) mmunirgbir contributors. All rights reserved.
from .rgbir_det_data_preprocessor import RGBIRDetDataPreprocessor

__all__ = ['RGBIRDetDataPreprocessor']
