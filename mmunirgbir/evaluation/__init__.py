# Copyright (c) mmunirgbir contributors. All rights reserved.
from .metrics import *  # noqa: F401,F403
from .robustness_conditions import (CONDITIONS, DEFAULT_CONDITIONS,
                                    condition_shift, condition_transforms,
                                    with_condition)
