# Copyright (c) mmunirgbir contributors. All rights reserved.
from .checkpoint import (CheckpointError, allow_checkpoint_types,
                         checkpoint_safe_globals, fit_pos_embed,
                         foundation_state, latest_readable_checkpoint,
                         load_foundation, read_checkpoint, read_foundation,
                         register_checkpoint_safe_globals, unwrap_state_dict)
from .distributed import setup_cpu_distributed
from .parameter_count import ParamRow, count_parameters, parameter_table
from .run_config import (add_runner_arguments, enable_evaluator_output,
                         load_config, parse_runner_args, prepare_config,
                         runner_from_cfg)

__all__ = [
    'CheckpointError', 'allow_checkpoint_types', 'checkpoint_safe_globals',
    'latest_readable_checkpoint', 'register_checkpoint_safe_globals',
    'fit_pos_embed', 'foundation_state', 'load_foundation', 'read_checkpoint',
    'read_foundation', 'unwrap_state_dict', 'ParamRow', 'count_parameters',
    'parameter_table', 'setup_cpu_distributed', 'load_config',
    'prepare_config', 'runner_from_cfg', 'enable_evaluator_output',
    'add_runner_arguments', 'parse_runner_args'
]
