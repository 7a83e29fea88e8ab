# Copyright (c) mmunirgbir contributors. All rights reserved.
from .inferencer import UniRGBIRInferencer

__all__ = ['UniRGBIRInferencer']
