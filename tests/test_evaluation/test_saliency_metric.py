# Copyright (c) mmunirgbir contributors. All rights reserved.
"""SaliencyMetric against an independent implementation (pysodmetrics)."""
import warnings

import cv2
import numpy as np
import py_sod_metrics as ref
import pytest
import torch

from mmunirgbir.evaluation import SaliencyMetric


def _maps(rng, h, w, empty=False):
    gt = np.zeros((h, w), np.uint8)
    if not empty:
        for _ in range(int(rng.integers(1, 3))):
            cv2.ellipse(gt, (int(rng.integers(10, w - 10)),
                             int(rng.integers(10, h - 10))),
                        (int(rng.integers(4, 20)), int(rng.integers(4, 20))),
                        float(rng.uniform(0, 180)), 0, 360, 255, -1)
    blur = cv2.GaussianBlur(gt.astype(np.float32), (21, 21), 6)
    prob = np.clip(0.7 * blur / 255 + rng.uniform(0, 0.3, (h, w)), 0, 1)
    return prob.astype(np.float32), gt


def test_matches_pysodmetrics(tmp_path):
    rng = np.random.default_rng(0)
    metric = SaliencyMetric(output_dir=str(tmp_path / 'pred'))
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        refs = dict(fm=ref.Fmeasure(), em=ref.Emeasure(), sm=ref.Smeasure(),
                    mae=ref.MAE())
    samples = []
    for i in range(8):
        h, w = int(rng.integers(50, 90)), int(rng.integers(60, 110))
        prob, gt = _maps(rng, h, w, empty=(i == 3))
        gt_path = str(tmp_path / f'{i}.png')
        cv2.imwrite(gt_path, gt)
        # predictions come at another resolution and are resized back
        small = cv2.resize(prob, (w // 2, h // 2))
        samples.append(
            dict(img_path=f'{i}.jpg', seg_map_path=gt_path,
                 seg_logits=dict(data=torch.from_numpy(small)[None]),
                 dataset_name='VTX'))
        # the reference scores the same 8-bit prediction we save
        up = torch.nn.functional.interpolate(
            torch.from_numpy(small)[None, None], size=(h, w),
            mode='bilinear', align_corners=False)[0, 0]
        pred8 = (up.clamp(0, 1) * 255).round().byte().numpy()
        for m in refs.values():
            m.step(pred8, gt)
    metric.process({}, samples)
    res = metric.compute_metrics(metric.results)
    fm = refs['fm'].get_results()['fm']
    em = refs['em'].get_results()['em']
    expected = dict(
        Sm=refs['sm'].get_results()['sm'],
        maxFm=fm['curve'].max(), meanFm=fm['curve'].mean(), adpFm=fm['adp'],
        maxEm=em['curve'].max(), meanEm=em['curve'].mean(), adpEm=em['adp'],
        MAE=refs['mae'].get_results()['mae'])
    for key, value in expected.items():
        assert res[key] == pytest.approx(value, abs=1e-4), key
    assert 0.3 < res['Sm'] < 1 and 0 < res['MAE'] < 0.5  # non-trivial maps
    saved = cv2.imread(str(tmp_path / 'pred' / 'VTX' / '0.png'), 0)
    assert saved.shape == cv2.imread(samples[0]['seg_map_path'], 0).shape


def test_reports_each_dataset(tmp_path):
    rng = np.random.default_rng(1)
    metric = SaliencyMetric()
    for name in ('VT821', 'VT1000'):
        prob, gt = _maps(rng, 40, 40)
        cv2.imwrite(str(tmp_path / f'{name}.png'), gt)
        metric.process({}, [dict(img_path='a.jpg', dataset_name=name,
                                 seg_map_path=str(tmp_path / f'{name}.png'),
                                 seg_logits=dict(
                                     data=torch.from_numpy(prob)[None]))])
    res = metric.compute_metrics(metric.results)
    assert {'VT821/Sm', 'VT1000/MAE', 'VT821/maxEm'} <= set(res)
    with pytest.raises(ValueError, match='1-channel'):
        metric.process({}, [dict(img_path='a.jpg',
                                 seg_map_path=str(tmp_path / 'VT821.png'),
                                 seg_logits=dict(data=torch.zeros(2, 40,
                                                                  40)))])
