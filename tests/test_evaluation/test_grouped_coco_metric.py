# Copyright (c) mmunirgbir contributors. All rights reserved.
"""COCO metrics per group of images (e.g. MSRS day and night)."""
import pytest
import torch
from mmdet.evaluation import CocoMetric

import mmunirgbir  # noqa: F401
from mmunirgbir.evaluation import GroupedCocoMetric

CLASSES = ('person', 'car')


def _sample(i, name, hit):
    """One image with one person box; the prediction hits it or not."""
    gt = [10., 10., 50., 90.]
    pred = gt if hit else [60., 5., 90., 30.]
    return dict(
        img_id=i,
        img_path=f'data/vi/{name}.png',
        ori_shape=(100, 120),
        instances=[dict(bbox=gt, bbox_label=0, ignore_flag=0)],
        pred_instances=dict(
            bboxes=torch.tensor([pred]),
            scores=torch.tensor([0.9]),
            labels=torch.tensor([0])))


SAMPLES = [('00001D', True), ('00002D', True), ('00003N', False),
           ('00004N', True)]


def _evaluate(metric, names=None):
    metric.dataset_meta = dict(classes=CLASSES)
    samples = [
        _sample(i, n, hit) for i, (n, hit) in enumerate(SAMPLES)
        if names is None or n in names
    ]
    metric.process({}, samples)
    return metric.evaluate(len(samples))


def test_groups_equal_coco_on_their_subsets():
    grouped = _evaluate(
        GroupedCocoMetric(groups=dict(day='D$', night='N$'), metric='bbox'))
    day = _evaluate(CocoMetric(metric='bbox'), {'00001D', '00002D'})
    night = _evaluate(CocoMetric(metric='bbox'), {'00003N', '00004N'})
    every = _evaluate(CocoMetric(metric='bbox'))
    assert grouped['coco/day/bbox_mAP_50'] == day['coco/bbox_mAP_50'] == 1.0
    assert grouped['coco/night/bbox_mAP_50'] == night['coco/bbox_mAP_50']
    assert 0 < night['coco/bbox_mAP_50'] < 1
    for key, value in every.items():
        assert grouped[key] == value


def test_empty_group_is_missing_not_zero():
    out = _evaluate(
        GroupedCocoMetric(groups=dict(day='D$', dusk='X$'), metric='bbox'))
    assert 'coco/day/bbox_mAP_50' in out
    assert not any(k.startswith('coco/dusk/') for k in out)
    with pytest.raises(ValueError, match='at least one group'):
        GroupedCocoMetric(groups={})


def test_evaluates_again_with_the_same_metric():
    """A second evaluation (the next validation, a second test run) builds
    its ground truth from its samples again."""
    metric = GroupedCocoMetric(groups=dict(day='D$', night='N$'),
                               metric='bbox')
    first = _evaluate(metric)
    assert _evaluate(metric) == first
