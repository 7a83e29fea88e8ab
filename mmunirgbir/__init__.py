# Copyright (c) mmunirgbir contributors. All rights reserved.
"""mmunirgbir: UniRGB-IR (frozen ViT + RGB-IR adapter) for OpenMMLab.

Importing the package registers its modules in the MMEngine root registries,
so configs of mmdet 3.x and mmseg 1.x use them through
``custom_imports = dict(imports=['mmunirgbir'])``.
"""
from . import utils  # noqa: F401  (safe checkpoint loading, first)
from . import datasets, evaluation, models, visualization  # noqa: F401
from . import apis  # noqa: F401
from .config_root import config_root
from .version import __version__

__all__ = ['__version__', 'config_root']
