# Copyright (c) mmunirgbir contributors. All rights reserved.
from .unirgbir_vit import UniRGBIRViT

__all__ = ['UniRGBIRViT']
