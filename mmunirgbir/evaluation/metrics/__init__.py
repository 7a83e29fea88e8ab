# Copyright (c) mmunirgbir contributors. All rights reserved.
from .kaist_miss_rate_metric import (KAISTMissRateMetric,
                                     log_average_miss_rate)
from .saliency_metric import SaliencyMetric

__all__ = ['KAISTMissRateMetric', 'log_average_miss_rate', 'SaliencyMetric']
