# Copyright (c) mmunirgbir contributors. All rights reserved.
"""COCO detection metrics overall and per named group of images."""
from typing import Dict, Sequence

from mmdet.evaluation import CocoMetric
from mmengine.registry import METRICS

from .image_groups import compile_groups, image_groups


@METRICS.register_module()
class GroupedCocoMetric(CocoMetric):
    """mmdet's :class:`CocoMetric`, also computed for groups of images.

    A group is a regular expression searched in each image's file name
    without its extension, e.g. MSRS's day and night pairs::

        dict(type='GroupedCocoMetric', metric='bbox',
             groups=dict(day='D$', night='N$'))

    reports ``coco/bbox_mAP_50`` for all images and ``coco/day/bbox_mAP_50``,
    ``coco/night/bbox_mAP_50`` (and every other COCO key) for each group.
    Groups may overlap; an image in no group counts in the overall metrics
    only. A group without images is reported as missing, never as 0.

    Args:
        groups (dict[str, str]): Group name -> pattern.
        **kwargs: The arguments of :class:`CocoMetric`.
    """

    def __init__(self, groups: Dict[str, str], **kwargs) -> None:
        super().__init__(**kwargs)
        self._gt_from_samples = kwargs.get('ann_file') is None
        if not groups:
            raise ValueError('GroupedCocoMetric needs at least one group '
                             '(use CocoMetric otherwise)')
        self.groups = compile_groups(groups)

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """As :class:`CocoMetric`, keeping each image's groups."""
        super().process(data_batch, data_samples)
        for (gt, _), sample in zip(self.results[-len(data_samples):],
                                   data_samples):
            gt['groups'] = image_groups(sample['img_path'], self.groups)

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """The overall metrics, then each group's as ``GROUP/KEY``."""
        metrics = dict(self._compute(results))
        for name in self.groups:
            subset = [r for r in results if name in r[0]['groups']]
            if subset:
                metrics.update({
                    f'{name}/{k}': v
                    for k, v in self._compute(subset).items()
                })
        if self._gt_from_samples:
            # CocoMetric.process keeps the ground truth only while it has no
            # COCO api: the next evaluation (the next validation, another
            # test run) needs it again
            self._coco_api = None
        return metrics

    def _compute(self, results: list) -> dict:
        # CocoMetric builds its COCO ground truth (unless read from an
        # ann_file) and image ids on the first call: redo both per subset
        if self._gt_from_samples:
            self._coco_api, self.img_ids = None, None
        else:
            self.img_ids = [gt['img_id'] for gt, _ in results]
        return super().compute_metrics(results)
