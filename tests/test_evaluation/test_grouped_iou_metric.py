# Copyright (c) mmunirgbir contributors. All rights reserved.
import pytest
import torch

from mmunirgbir.evaluation import GroupedIoUMetric

CLASSES = ('unlabeled', 'car', 'person', 'bump')


def _sample(name, gt, pred):
    return dict(img_path=f'/data/images/{name}.png',
                gt_sem_seg=dict(data=torch.tensor([gt])),
                pred_sem_seg=dict(data=torch.tensor([pred])))


def _metric(**kwargs):
    metric = GroupedIoUMetric(
        groups=dict(day='D$', night='N$'), **kwargs)
    metric.dataset_meta = dict(classes=CLASSES)
    return metric


def test_overall_per_class_and_per_group_iou():
    metric = _metric()
    # day: car half right; night: person right, one unlabeled pixel called
    # car; no image has 'bump'
    day = _sample('00001D', [[0, 1], [1, 0]], [[0, 1], [0, 0]])
    night = _sample('00002N', [[2, 2], [0, 0]], [[2, 2], [1, 0]])
    metric.process({}, [day, night])
    out = metric.evaluate(2)
    # overall: unlabeled 3/(3+... ) = I 3, U 5 -> 60; car I 1, U 3 -> 33.33
    assert out['IoU.unlabeled'] == pytest.approx(60.0)
    assert out['IoU.car'] == pytest.approx(33.33)
    assert out['IoU.person'] == pytest.approx(100.0)
    assert 'IoU.bump' not in out  # absent everywhere: no IoU, not 0
    assert out['mIoU'] == pytest.approx(round((60 + 100 / 3 + 100) / 3, 2))
    assert out['day/IoU.car'] == pytest.approx(50.0)
    assert 'day/IoU.person' not in out
    assert out['night/IoU.person'] == pytest.approx(100.0)
    assert out['night/IoU.car'] == pytest.approx(0.0)  # predicted, absent
    assert out['night/mIoU'] == pytest.approx(round((50 + 0 + 100) / 3, 2))


def test_a_group_without_images_is_missing_and_no_groups_is_plain():
    metric = _metric()
    metric.process({}, [_sample('00001D', [[1]], [[1]])])
    out = metric.evaluate(1)
    assert out['day/mIoU'] == 100.0
    assert not any(k.startswith('night/') for k in out)
    plain = GroupedIoUMetric()
    plain.dataset_meta = dict(classes=CLASSES)
    plain.process({}, [_sample('x', [[1]], [[1]])])
    assert set(plain.evaluate(1)) == {'aAcc', 'mIoU', 'mAcc', 'IoU.car'}
    with pytest.raises(ValueError, match='format_only'):
        GroupedIoUMetric(format_only=True)
