# Copyright (c) mmunirgbir contributors. All rights reserved.
"""registration_check.py: RGB-IR offsets with the model's alignment
estimator."""
import json
import subprocess
import sys

import cv2
import numpy as np
import pytest

from ..conftest import REAL_DATA_CHECKS, REPO, load_tool, shared_path

TOOL = REPO / 'tools/analysis_tools/registration_check.py'


def _tool():
    return load_tool('analysis_tools/registration_check.py')


def test_recovers_known_shifts_of_real_msrs_pairs():
    """IR moved by 0, 3, 8, 16 px (a crop, no border) against its RGB image:
    the estimate moves by exactly that (median error <= 1 px) on the pairs
    with a trusted estimate."""
    tool = _tool()
    root = shared_path('data/msrs_dev')
    names = open(root / 'val.txt').read().split()[:12]
    m = 24
    errors = {(d, axis): [] for d in (0, 3, 8, 16) for axis in (0, 1)}
    trusted = 0
    estimator = tool.make_estimator()
    for name in names:
        rgb = tool.read_grey(str(root / 'vi' / f'{name}.png'))
        ir = tool.read_grey(str(root / 'ir' / f'{name}.png'))
        h, w = rgb.shape
        crop = (slice(m, h - m), slice(m, w - m))
        base, _, _ = tool.estimate_shift(rgb[crop], ir[crop],
                                         estimator=estimator)
        if base is None:
            continue
        trusted += 1
        for d in (0, 3, 8, 16):
            for axis in (0, 1):  # IR content moved right / down by d
                ys = slice(m - d * axis, h - m - d * axis)
                xs = slice(m - d * (1 - axis), w - m - d * (1 - axis))
                est, _, _ = tool.estimate_shift(rgb[crop], ir[ys, xs], 0.,
                                                estimator)
                expected = np.add(base, (d * (1 - axis), d * axis))
                errors[d, axis].append(np.hypot(*np.subtract(est,
                                                             expected)))
    assert trusted >= 6
    for key, errs in errors.items():
        assert np.median(errs) <= 1.0, (key, np.median(errs))


def test_flat_pairs_have_no_estimate_never_zero(tmp_path):
    tool = _tool()
    flat = np.full((64, 80), 0.5, np.float32)
    noise = np.random.default_rng(0).random((64, 80)).astype(np.float32)
    shift, _, reason = tool.estimate_shift(flat, noise)
    assert shift is None and reason == 'flat image'
    other = np.random.default_rng(1).random((64, 80)).astype(np.float32)
    shift, response, reason = tool.estimate_shift(noise, other)
    assert shift is None and 'weak peak' in reason
    rows = [dict(rgb='a', ir='a', shift=None, response=0., reason='x')]
    assert tool.summary(rows)['median_shift_px'] is None


def test_folders_command_line(tmp_path):
    root = shared_path('data/msrs_mini')
    rgb_dir, ir_dir = tmp_path / 'rgb', tmp_path / 'ir'
    rgb_dir.mkdir()
    ir_dir.mkdir()
    names = sorted(p.stem for p in (root / 'vi').iterdir())[:6]
    for i, name in enumerate(names):
        rgb = cv2.imread(str(root / 'vi' / f'{name}.png'))
        ir = cv2.imread(str(root / 'ir' / f'{name}.png'), 0)
        cv2.imwrite(str(rgb_dir / f'{name}.png'), rgb)
        # every IR image moved 8 px right (zero fill), one flat
        moved = np.zeros_like(ir)
        moved[:, 8:] = ir[:, :-8]
        cv2.imwrite(str(ir_dir / f'{name}.png'),
                    moved if i else np.zeros_like(ir))
    out = tmp_path / 'out'
    proc = subprocess.run(
        [sys.executable, str(TOOL), '--rgb', str(rgb_dir), '--ir',
         str(ir_dir), '--out-dir', str(out)],
        capture_output=True, text=True, check=True)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result['pairs'] == 6 and result['no_estimate'] >= 1
    assert 'no estimate (flat image)' in proc.stdout
    assert (out / 'shift_histogram.png').stat().st_size > 0
    assert len(json.loads((out / 'shifts.json').read_text())['pairs']) == 6
    (ir_dir / f'{names[0]}.png').unlink()
    proc = subprocess.run(
        [sys.executable, str(TOOL), '--rgb', str(rgb_dir), '--ir',
         str(ir_dir), '--out-dir', str(out)], capture_output=True, text=True)
    assert proc.returncode == 1 and 'without a partner' in proc.stderr
    assert names[0] in proc.stderr


def test_config_data_set_pairs():
    tool = _tool()
    shared_path('data/msrs_dev')
    pairs = tool.pairs_from_config(str(
        REAL_DATA_CHECKS / 'configs' /
        'faster-rcnn_unirgbir-dinov2-s16_simplefpn_1xb2-900i_msrs-dev.py'))
    assert len(pairs) == 55
    assert all(r.endswith('.png') and '/ir/' in i for r, i in pairs)


def test_size_mismatch_names_both_files(tmp_path):
    tool = _tool()
    a, b = tmp_path / 'a.png', tmp_path / 'b.png'
    cv2.imwrite(str(a), np.zeros((10, 12), np.uint8))
    cv2.imwrite(str(b), np.zeros((10, 14), np.uint8))
    with pytest.raises(ValueError, match='a.png is 12x10.*b.png is 14x10'):
        tool.check_pairs([(str(a), str(b))])
