# Copyright (c) mmunirgbir contributors. All rights reserved.
from .checkpoint_loading import (CheckpointReadError, allow_checkpoint_types,
                                 checkpoint_safe_globals,
                                 latest_readable_checkpoint,
                                 register_checkpoint_safe_globals)
from .distributed import setup_cpu_distributed
from .parameter_count import ParamRow, count_parameters, parameter_table
from .run_config import (add_runner_arguments, enable_evaluator_output,
                         load_config, parse_runner_args, prepare_config,
                         runner_from_cfg)

__all__ = [
    'CheckpointReadError', 'allow_checkpoint_types',
    'checkpoint_safe_globals', 'latest_readable_checkpoint',
    'register_checkpoint_safe_globals', 'ParamRow', 'count_parameters',
    'parameter_table', 'setup_cpu_distributed', 'load_config',
    'prepare_config', 'runner_from_cfg', 'enable_evaluator_output',
    'add_runner_arguments', 'parse_runner_args'
]
