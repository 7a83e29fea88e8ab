# Copyright (c) mmunirgbir contributors. All rights reserved.
from .grouped_coco_metric import GroupedCocoMetric
from .grouped_iou_metric import GroupedIoUMetric
from .kaist_miss_rate_metric import (KAISTMissRateMetric,
                                     log_average_miss_rate)
from .saliency_metric import SaliencyMetric

__all__ = [
    'GroupedCocoMetric', 'GroupedIoUMetric', 'KAISTMissRateMetric',
    'log_average_miss_rate', 'SaliencyMetric'
]
