# Copyright (c) mmunirgbir contributors. All rights reserved.
from .foundation_checkpoint import (CheckpointError, load_foundation_state,
                                    read_checkpoint, unwrap_state_dict)

__all__ = [
    'CheckpointError', 'load_foundation_state', 'read_checkpoint',
    'unwrap_state_dict'
]
