# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Segmentation IoU overall, per class and per named group of images."""
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.registry import METRICS
from mmseg.evaluation import IoUMetric

from .image_groups import compile_groups, image_groups


@METRICS.register_module()
class GroupedIoUMetric(IoUMetric):
    """mmseg's :class:`IoUMetric`, with each class's IoU, and also computed
    for groups of images.

    A group is a regular expression searched in each image's file name
    without its extension, e.g. MFNet's day and night pairs::

        dict(type='GroupedIoUMetric', iou_metrics=['mIoU'],
             groups=dict(day='D$', night='N$'))

    reports ``mIoU`` (and ``aAcc``, ``mAcc``) over all images,
    ``IoU.<class>`` for each class, and ``day/mIoU``, ``day/IoU.<class>``,
    ... for each group, in percent as :class:`IoUMetric` reports them. A
    class with neither ground truth nor prediction in the images counted
    has no IoU: it is left out of the mean (as :class:`IoUMetric` does)
    and of the per-class keys, never reported as 0. A group without images
    is reported as missing. Groups may overlap; an image in no group counts
    in the overall metrics only.

    Args:
        groups (dict[str, str], optional): Group name -> pattern. None or
            empty: the overall and per-class metrics only.
        **kwargs: The arguments of :class:`IoUMetric`.
    """

    def __init__(self,
                 groups: Optional[Dict[str, str]] = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if self.format_only:
            raise ValueError('GroupedIoUMetric computes metrics; use '
                             'IoUMetric with format_only=True to only save '
                             'predictions')
        self.groups = compile_groups(groups)

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """As :class:`IoUMetric`, keeping each image's groups."""
        super().process(data_batch, data_samples)
        first = len(self.results) - len(data_samples)
        for i, sample in enumerate(data_samples):
            self.results[first + i] = (*self.results[first + i],
                                       image_groups(sample['img_path'],
                                                    self.groups))

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """The overall metrics and per-class IoU, then each group's as
        ``GROUP/KEY``."""
        metrics = self._compute([r[:4] for r in results])
        for name in self.groups:
            subset = [r[:4] for r in results if name in r[4]]
            if subset:
                metrics.update({
                    f'{name}/{k}': v
                    for k, v in self._compute(subset).items()
                })
        return metrics

    def _compute(self, results: List[tuple]) -> Dict[str, float]:
        # the images' areas summed once; IoUMetric's summary of them, as
        # plain floats (it reports numpy scalars)
        areas = [sum(area) for area in zip(*results)]
        metrics = {
            k: float(v)
            for k, v in super().compute_metrics([tuple(areas)]).items()
        }
        iou = self.total_area_to_metrics(*areas, ['mIoU'])['IoU']
        for name, value in zip(self.dataset_meta['classes'], iou):
            value = float(value)
            if not np.isnan(value):
                metrics[f'IoU.{name}'] = round(value * 100, 2)
        return metrics
