# Copyright (c) mmunirgbir contributors. All rights reserved.
"""tools/gpu_check.sh: the prepared GPU check, run as its CPU dry run."""
import json
import os
import subprocess

import pytest
import torch

from ..conftest import REPO, shared_path

SCRIPT = REPO / 'tools/gpu_check.sh'


def test_dry_run_runs_every_step_and_writes_one_report(tmp_path):
    root = shared_path('data/msrs_dev').parent.parent
    out = tmp_path / 'report.json'
    env = dict(os.environ, WHEELS=str(tmp_path / 'no_wheels'))
    proc = subprocess.run(
        ['bash', str(SCRIPT), '--dry-run', '--out', str(out), '--work-dir',
         str(tmp_path / 'work'), '--data-root', str(root)],
        cwd=REPO, capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    report = json.loads(out.read_text())
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == report
    steps = ('environment', 'cuda_tests', 'parity', 'speed', 'msrs_runs')
    assert all('error' not in report[s] and report[s]['seconds'] >= 0
               for s in steps)
    assert report['environment']['mmcv_kernels']['nms']['cpu'] is True
    assert report['cuda_tests']['returncode'] == 0
    # CPU against CPU: the comparison runs and finds nothing
    parity = report['parity']
    for key in ('backbone', 'rpn_scores', 'roi_cls', 'segmentor_logits'):
        assert parity[key]['max_abs'] == 0
    assert parity['nms_same_kept'] is True
    for mode in ('train_fp32', 'train_amp', 'infer_fp32', 'infer_amp'):
        assert report['speed'][mode]['images_per_s'] > 0
    runs = report['msrs_runs']
    assert (runs['iters'], runs['seeds']) == (1, 1)
    for name in ('recommended', 'ir_only'):
        (run, ) = runs[name]
        assert run['returncode'] == 0
        (result, ) = run['results']
        assert 'coco/bbox_mAP_50' in result['metrics']['clean']


@pytest.mark.skipif(torch.cuda.is_available(), reason='a GPU is here')
def test_without_a_gpu_it_asks_for_the_dry_run(tmp_path):
    proc = subprocess.run(['bash', str(SCRIPT), '--out',
                           str(tmp_path / 'r.json')], cwd=REPO,
                          capture_output=True, text=True)
    assert proc.returncode == 2 and 'use --dry-run' in proc.stderr
