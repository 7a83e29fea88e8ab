# Copyright (c) mmunirgbir contributors. All rights reserved.
from .checkpoint_loading import (allow_checkpoint_types,
                                 checkpoint_safe_globals,
                                 register_checkpoint_safe_globals)

__all__ = [
    'allow_checkpoint_types', 'checkpoint_safe_globals',
    'register_checkpoint_safe_globals'
]
