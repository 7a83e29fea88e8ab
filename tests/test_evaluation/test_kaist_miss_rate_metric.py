# Copyright (c) mmunirgbir contributors. All rights reserved.
import numpy as np
import pytest
import torch

from mmunirgbir.evaluation import KAISTMissRateMetric, log_average_miss_rate
from mmunirgbir.evaluation.metrics.kaist_miss_rate_metric import match_image


def _image(gts, dts=(), labels=None, occ=None, ign=None):
    n = len(gts)
    return dict(
        gt_boxes=np.array(gts, dtype=float).reshape(-1, 4),
        gt_labels=np.array(labels or ['person'] * n),
        gt_occlusion=np.array(occ or [0] * n),
        gt_ignore=np.array(ign or [0] * n),
        dt_boxes=np.array([d[:4] for d in dts], dtype=float).reshape(-1, 4),
        dt_scores=np.array([d[4] for d in dts], dtype=float))


PERSON = [100, 100, 140, 200]  # 100 px tall


def test_perfect_and_empty_detectors():
    perfect = [_image([PERSON], [PERSON + [0.9]]) for _ in range(5)]
    assert log_average_miss_rate(perfect) < 1e-6
    empty = [_image([PERSON]) for _ in range(5)]
    assert log_average_miss_rate(empty) == pytest.approx(1.0)


def test_hand_computed_curve():
    # 10 images with one pedestrian each; 5 found (score 0.9), one false
    # positive ranked first (0.95). FPPI is 0.1 from the first detection on:
    # the 4 reference points below 0.1 see miss rate 1, the other 5 see 0.5.
    images = [_image([PERSON], [PERSON + [0.9]] if i < 5 else [])
              for i in range(10)]
    images[0]['dt_boxes'] = np.vstack([images[0]['dt_boxes'],
                                       [[400, 100, 440, 200]]])
    images[0]['dt_scores'] = np.array([0.9, 0.95])
    assert log_average_miss_rate(images) == pytest.approx(0.5**(5 / 9))


def test_ignore_regions_and_settings():
    small = [300, 100, 320, 140]  # 40 px tall: ignored in 'reasonable'
    crowd = [500, 100, 560, 200]
    img = _image([PERSON, small, crowd],
                 [PERSON + [0.9], small + [0.8], [505, 105, 555, 195, 0.7]],
                 labels=['person', 'person', 'people'])
    # detections on the small person and the 'people' box are not FPs
    assert log_average_miss_rate([img]) < 1e-6
    # in 'all' (height >= 20) the small person counts and is found
    assert log_average_miss_rate([img], min_height=20,
                                 max_occlusion=2) < 1e-6
    # a heavily occluded person is ignored in 'reasonable', counted in 'all'
    occluded = _image([PERSON], [], occ=[2])
    assert np.isnan(log_average_miss_rate([occluded]))
    assert log_average_miss_rate([occluded], min_height=20,
                                 max_occlusion=2) == pytest.approx(1.0)
    # a duplicate of a found person is a false positive; detections inside
    # an ignore region are dropped (-1), however many
    res = match_image(
        np.array([PERSON, crowd], float), np.array([0, 1]),
        np.array([PERSON, PERSON, crowd, crowd], float),
        np.array([0.9, 0.8, 0.7, 0.6]))
    assert res.tolist() == [1, 0, -1, -1]


def test_metric_reports_settings_and_splits():
    metric = KAISTMissRateMetric()
    metric.dataset_meta = dict(classes=('person', ))
    samples = []
    for night in (False, True):
        objs = [dict(label='person', bbox=PERSON, occlusion=0, ignore=0)]
        samples.append(
            dict(kaist_objects=objs,
                 illumination='night' if night else 'day',
                 pred_instances=dict(
                     bboxes=torch.tensor([PERSON], dtype=torch.float32),
                     scores=torch.tensor([0.9]),
                     labels=torch.tensor([0 if night else 1]))))
    metric.process({}, samples)
    res = metric.compute_metrics(metric.results)
    assert set(res) == {f'MR_{s}_{p}' for s in ('reasonable', 'all')
                        for p in ('all', 'day', 'night')}
    assert res['MR_reasonable_night'] < 1e-6  # found
    assert res['MR_reasonable_day'] == pytest.approx(1.0)  # wrong class
    with pytest.raises(KeyError, match='kaist_objects'):
        metric.process({}, [dict(pred_instances={})])


# --------------------------------------------------------------------------- #
# the three rules of Dollar's MATLAB protocol (dbEval.m / bbGt)
# --------------------------------------------------------------------------- #
def test_a_zero_miss_rate_averages_to_zero():
    """MATLAB's exp(mean(log(miss))) has no 1e-10 floor."""
    perfect = [_image([PERSON], [PERSON + [0.9]]) for _ in range(5)]
    assert log_average_miss_rate(perfect) == 0.0
    # one reference point at 0 is enough
    images = [_image([PERSON], [PERSON + [0.9]]) for _ in range(10)]
    images[0]['dt_boxes'] = np.vstack([images[0]['dt_boxes'],
                                       [[400, 100, 440, 200]]])
    images[0]['dt_scores'] = np.array([0.9, 0.5])  # the FP ranks last
    assert log_average_miss_rate(images) == 0.0


def test_ground_truth_beyond_the_border_bounds_is_ignored():
    """bbGt xRng = [5, 635], yRng = [5, 507]: a missed pedestrian at the
    left edge (x1 = 2) is ignored, so finding the other one is perfect."""
    edge = [2, 100, 42, 200]
    img = _image([PERSON, edge], [PERSON + [0.9]])
    assert log_average_miss_rate([img]) == 0.0
    assert log_average_miss_rate([img], x_range=None) == pytest.approx(0.5)
    bottom = [300, 420, 340, 510]  # y2 = 510 > 507
    img = _image([PERSON, bottom], [PERSON + [0.9]])
    assert log_average_miss_rate([img]) == 0.0
    assert log_average_miss_rate([img], y_range=None) == pytest.approx(0.5)
    # the metric passes the bounds on, configurable
    metric = KAISTMissRateMetric(x_range=None, settings=dict(
        reasonable=dict(min_height=55, max_occlusion=1)))
    objs = [dict(label='person', bbox=b, occlusion=0, ignore=0)
            for b in (PERSON, edge)]
    metric.process({}, [dict(kaist_objects=objs, illumination='day',
                             pred_instances=dict(
                                 bboxes=torch.tensor([PERSON], dtype=float),
                                 scores=torch.tensor([0.9]),
                                 labels=torch.tensor([0])))])
    assert metric.compute_metrics(metric.results)[
        'MR_reasonable_all'] == pytest.approx(0.5)


def test_aspect_ratio_standardisation_is_an_option():
    """dbEval.m resizes non-ignored ground truth and detections to width =
    0.41 x height about their centres before matching."""
    wide = [100, 100, 200, 200]  # a 100x100 pedestrian box
    slim = [129.5, 100, 170.5, 200, 0.9]  # 41x100, same centre: IoU 0.41
    img = _image([wide], [slim])
    assert log_average_miss_rate([img]) == pytest.approx(1.0)
    assert log_average_miss_rate([img], aspect_ratio=0.41) == 0.0
    # ignored ground truth keeps its shape: a wide 'people' region still
    # absorbs a detection that covers it
    crowd = [300, 100, 400, 200]
    img = _image([wide, crowd], [slim, [300, 100, 400, 200, 0.8]],
                 labels=['person', 'people'])
    assert log_average_miss_rate([img], aspect_ratio=0.41) == 0.0
