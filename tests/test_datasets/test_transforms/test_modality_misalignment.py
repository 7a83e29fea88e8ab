# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Registration errors: fixed (test conditions) and random (augmentation)."""
import numpy as np
import pytest
from mmdet.structures.bbox import HorizontalBoxes

import mmunirgbir  # noqa: F401
from mmunirgbir.datasets.transforms import (RandomModalityMisalign,
                                            ShiftModality, WarpModality)
from mmunirgbir.evaluation import condition_transforms


def _results(seed=0, h=40, w=60):
    rng = np.random.default_rng(seed)
    return dict(
        img=rng.integers(1, 255, (h, w, 6), dtype=np.uint8),
        img_path='a.png',
        gt_bboxes=HorizontalBoxes(np.array([[10., 12., 30., 28.]],
                                           np.float32)),
        gt_seg_map=np.tile(np.arange(w, dtype=np.uint8) % 5, (h, 1)))


def test_integer_shift_is_exact_and_keeps_the_labels():
    before = _results()
    out = WarpModality('ir', offset=(3, -2))(_results())
    assert np.array_equal(out['img'][..., :3], before['img'][..., :3])
    assert np.array_equal(out['img'][:-2, 3:, 3:], before['img'][2:, :-3, 3:])
    assert np.array_equal(
        out['img'],
        ShiftModality('ir', offset=(3, -2))(_results())['img'])
    assert np.array_equal(out['gt_bboxes'].numpy(),
                          before['gt_bboxes'].numpy())
    with pytest.raises(ValueError, match='not smaller than'):
        WarpModality('ir', offset=(60, 0))(_results())


def test_scale_and_rotation_about_the_centre():
    r = _results()
    r['img'][...] = 0
    r['img'][19:21, 29:31, 3:] = 255  # a dot at the centre stays there
    r['img'][5, 30, 3:] = 255  # a dot above it
    out = WarpModality('ir', rotate=90)(r)['img'][..., 3]
    assert out[19:21, 29:31].min() > 100
    ys, xs = np.nonzero(out > 60)
    far = [(y, x) for y, x in zip(ys, xs) if abs(x - 29.5) > 5]
    assert far and all(x < 29.5 for _, x in far)  # counter-clockwise: left
    big = WarpModality('ir', scale=2.0)(_results())['img']
    assert big.shape == (40, 60, 6)


@pytest.mark.parametrize('label_modality', ['rgb', 'ir'])
def test_random_misalign_moves_labels_only_with_their_modality(
        label_modality):
    np.random.seed(0)
    t = RandomModalityMisalign('ir', max_shift=6,
                               label_modality=label_modality)
    moved = 0
    for i in range(10):
        before = _results(i)
        out = t(_results(i))
        dx, dy, scale, rotate = out['misalignment']
        assert dx == int(dx) and abs(dx) <= 6 and abs(dy) <= 6
        assert (scale, rotate) == (1, 0)
        assert np.array_equal(out['img'][..., :3], before['img'][..., :3])
        expected = WarpModality('ir', offset=(dx, dy))(_results(i))['img']
        assert np.array_equal(out['img'], expected)
        box = out['gt_bboxes'].numpy()[0]
        ref = before['gt_bboxes'].numpy()[0]
        if label_modality == 'ir':
            np.testing.assert_allclose(box, ref + [dx, dy, dx, dy])
            moved += (dx, dy) != (0, 0)
        else:
            np.testing.assert_array_equal(box, ref)
            np.testing.assert_array_equal(out['gt_seg_map'],
                                          before['gt_seg_map'])
    assert label_modality == 'rgb' or moved > 5


def test_fractional_shift_scale_and_rotation_draws():
    np.random.seed(1)
    t = RandomModalityMisalign(max_shift=0.1, max_scale=0.05, max_rotate=3,
                               label_modality='ir')
    for i in range(5):
        out = t(_results(i))
        dx, dy, scale, rotate = out['misalignment']
        assert abs(dx) <= 6 and abs(dy) <= 4
        assert 0.95 <= scale <= 1.05 and abs(rotate) <= 3
        x1, y1, x2, y2 = out['gt_bboxes'].numpy()[0]
        assert 0 <= x1 < x2 <= 60 and 0 <= y1 < y2 <= 40
        assert set(np.unique(out['gt_seg_map'])) <= set(range(5)) | {255}
    assert 'misalignment' not in RandomModalityMisalign(prob=0)(_results())
    for bad in (dict(max_shift=1.5), dict(max_scale=1.0),
                dict(max_rotate=-1), dict(prob=2),
                dict(label_modality='both')):
        with pytest.raises(ValueError):
            RandomModalityMisalign(**bad)


def test_misalignment_conditions():
    assert condition_transforms('ir_shift_8') == [
        dict(type='ShiftModality', modality='ir', offset=(8, 0))]
    assert condition_transforms('ir_shift_-3_5') == [
        dict(type='ShiftModality', modality='ir', offset=(-3, 5))]
    assert condition_transforms('ir_scale_1.05') == [
        dict(type='WarpModality', modality='ir', scale=1.05)]
    assert condition_transforms('ir_rotate_-2.5') == [
        dict(type='WarpModality', modality='ir', rotate=-2.5)]
    for bad in ('ir_scale_0', 'ir_scale_-1', 'ir_rotate_x', 'ir_shift_1_2_3'):
        with pytest.raises(ValueError, match='unknown condition'):
            condition_transforms(bad)
