# Copyright (c) mmunirgbir contributors. All rights reserved.
from .checkpoint_loading import (allow_checkpoint_types,
                                 checkpoint_safe_globals,
                                 register_checkpoint_safe_globals)
from .distributed import setup_cpu_distributed
from .parameter_count import ParamRow, count_parameters, parameter_table

__all__ = [
    'allow_checkpoint_types', 'checkpoint_safe_globals',
    'register_checkpoint_safe_globals', 'ParamRow', 'count_parameters',
    'parameter_table', 'setup_cpu_distributed'
]
