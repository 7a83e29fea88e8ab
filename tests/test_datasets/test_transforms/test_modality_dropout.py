# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Modality dropout, test-time conditions and single-modality loading."""
import cv2
import numpy as np
import pytest

import mmunirgbir  # noqa: F401
from mmunirgbir.datasets.transforms import (DropModality, LoadRGBIRImagePair,
                                            ModalityBlur, ModalityGammaGain,
                                            ModalityNoise, RandomModalityDrop,
                                            ShiftModality,
                                            pack_missing_modality)


def _results(seed=0):
    rng = np.random.default_rng(seed)
    return dict(img=rng.integers(1, 255, (20, 30, 6), dtype=np.uint8),
                img_path='a.png', gt_bboxes=np.array([[1., 2., 10., 12.]]),
                gt_bboxes_labels=np.array([1]))


def test_dropout_probabilities_never_both_and_labels_untouched():
    np.random.seed(0)
    drop = RandomModalityDrop(rgb_prob=0.2, ir_prob=0.3)
    counts = dict(rgb=0, ir=0, none=0)
    n = 4000
    for _ in range(n):
        res = _results()
        before = res['img'].copy()
        out = drop(res)
        flag = out.get('missing_modality')
        counts[flag or 'none'] += 1
        assert np.array_equal(out['gt_bboxes'], [[1., 2., 10., 12.]])
        assert out['gt_bboxes_labels'].tolist() == [1]
        if flag == 'rgb':
            assert not out['img'][..., :3].any()
            assert np.array_equal(out['img'][..., 3:], before[..., 3:])
        elif flag == 'ir':
            assert not out['img'][..., 3:].any()
            assert np.array_equal(out['img'][..., :3], before[..., :3])
        else:
            assert np.array_equal(out['img'], before)
    for key, p in (('rgb', 0.2), ('ir', 0.3), ('none', 0.5)):
        sigma = (p * (1 - p) / n)**0.5
        assert abs(counts[key] / n - p) < 4 * sigma, counts
    with pytest.raises(ValueError, match='sum <= 1'):
        RandomModalityDrop(0.6, 0.5)


def test_dropping_the_second_modality_is_refused():
    res = DropModality('rgb')(_results())
    with pytest.raises(ValueError, match='rgb is already missing'):
        DropModality('ir')(res)
    # random dropout leaves an already single-modality sample alone
    assert RandomModalityDrop(0., 1.)(res)['missing_modality'] == 'rgb'


def test_shift_moves_ir_only():
    res = _results()
    before = res['img'].copy()
    out = ShiftModality('ir', offset=(3, -2))(res)['img']
    assert np.array_equal(out[..., :3], before[..., :3])
    assert np.array_equal(out[:-2, 3:, 3:], before[2:, :-3, 3:])
    assert not out[-2:, :, 3:].any() and not out[:, :3, 3:].any()
    with pytest.raises(ValueError, match='not smaller than the 30x20 image'):
        ShiftModality('ir', offset=(30, 0))(_results())


def test_conditions_change_one_half_reproducibly():
    for t in (ModalityGammaGain('rgb', gamma=2.0, gain=0.5),
              ModalityNoise('ir', std=20, seed=3), ModalityBlur('rgb', 2.0)):
        before = _results()['img']
        a = t(_results())['img']
        b = t(_results())['img']
        assert np.array_equal(a, b)  # seeded
        other = slice(3, 6) if t.modality == 'rgb' else slice(0, 3)
        own = slice(0, 3) if t.modality == 'rgb' else slice(3, 6)
        assert np.array_equal(a[..., other], before[..., other])
        assert not np.array_equal(a[..., own], before[..., own])
    grey = _results()
    grey['img'][..., 4] = grey['img'][..., 5] = grey['img'][..., 3]
    noisy = ModalityNoise('ir', std=20)(grey)['img']
    assert np.array_equal(noisy[..., 3], noisy[..., 5])  # IR stays grey
    with pytest.raises(ValueError, match='modality must be'):
        ModalityBlur('thermal')


def test_single_modality_loading(tmp_path):
    rgb = np.full((20, 30, 3), 90, np.uint8)
    ir = np.full((20, 30), 200, np.uint8)
    cv2.imwrite(str(tmp_path / 'rgb.png'), rgb)
    cv2.imwrite(str(tmp_path / 'ir.png'), ir)
    load = LoadRGBIRImagePair()
    out = load(dict(img_path=None, ir_path=str(tmp_path / 'ir.png'),
                    missing_modality='rgb'))
    assert out['img'].shape == (20, 30, 6)
    assert not out['img'][..., :3].any() and (out['img'][..., 3:] == 200).all()
    out = load(dict(img_path=str(tmp_path / 'rgb.png'), ir_path=None,
                    missing_modality='ir'))
    assert (out['img'][..., :3] == 90).all() and not out['img'][..., 3:].any()
    out = load(dict(img=rgb, missing_modality='ir'))
    assert out['img'].shape == (20, 30, 6)
    with pytest.raises(ValueError, match='RGB is missing, so an IR image'):
        load(dict(img_path=None, ir_path=None, missing_modality='rgb'))
    with pytest.raises(ValueError, match='misses both'):
        load(dict(img_path='x', missing_modality=('rgb', 'ir')))


def test_pack_transforms_carry_the_flag():
    pipeline = pack_missing_modality([
        dict(type='LoadRGBIRImagePair'),
        dict(type='PackDetInputs'),
        dict(type='PackSegInputs', meta_keys=('img_path', )),
    ])
    assert 'missing_modality' in pipeline[1]['meta_keys']
    assert 'img_id' in pipeline[1]['meta_keys']  # mmdet's defaults kept
    assert pipeline[2]['meta_keys'] == ('img_path', 'missing_modality')


def test_random_exposure_darkens_or_brightens_one_modality():
    from mmunirgbir.datasets.transforms import RandomModalityExposure
    np.random.seed(0)
    t = RandomModalityExposure('rgb', prob=1.0)
    darker = brighter = 0
    for i in range(40):
        before = _results(i)
        img = before['img'].copy()
        out = t(before)['img']
        assert np.array_equal(out[..., 3:], img[..., 3:])  # IR untouched
        mean = out[..., :3].mean() - img[..., :3].mean()
        darker += mean < -5
        brighter += mean > 5
    assert darker > 5 and brighter > 5 and darker + brighter == 40
    assert np.array_equal(
        RandomModalityExposure('rgb', prob=0.)(_results())['img'],
        _results()['img'])
    with pytest.raises(ValueError, match='prob'):
        RandomModalityExposure(prob=1.5)
    with pytest.raises(ValueError, match='increasing'):
        RandomModalityExposure(low_light=dict(gamma=(3, 1), gain=(0, 1)))
    with pytest.raises(ValueError, match='keys gamma and gain'):
        RandomModalityExposure(over_exposure=dict(gamma=(0.5, 0.8)))
