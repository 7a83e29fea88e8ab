# Copyright (c) mmunirgbir contributors. All rights reserved.
"""2-process DDP (gloo, CPU) through tools/dist_train.sh."""
import os
import os.path as osp
import socket
import subprocess

import torch

from mmunirgbir.testing import make_synthetic_detection_set

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO = osp.join(
    REPO, 'configs/demo/'
    'faster-rcnn_unirgbir-vit-tiny_simplefpn_1xb4-12e_synthetic-rgbir.py')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_two_process_ddp_keeps_ranks_in_sync(tmp_path):
    data = str(tmp_path / 'data')
    make_synthetic_detection_set(data, 8, split='train', seed=0)
    make_synthetic_detection_set(data, 4, split='val', seed=1)
    cfg = tmp_path / 'ddp.py'
    cfg.write_text(f"""
_base_ = {DEMO!r}
custom_imports = dict(
    imports=['mmunirgbir', 'tests.test_workflows.ddp_probe'],
    allow_failed_imports=False)
custom_hooks = [dict(type='DumpTrainableWeightsHook')]
train_cfg = dict(max_epochs=2, val_interval=10)
train_dataloader = dict(batch_size=2, dataset=dict(data_root={data!r}))
val_dataloader = dict(dataset=dict(data_root={data!r}))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file={data + '/val.json'!r})
test_evaluator = val_evaluator
default_hooks = dict(logger=dict(interval=1))
""")
    work = tmp_path / 'work'
    env = dict(os.environ, PORT=str(_free_port()), OMP_NUM_THREADS='1',
               PYTHONUNBUFFERED='1')
    proc = subprocess.run(
        ['bash', osp.join(REPO, 'tools/dist_train.sh'), str(cfg), '2',
         '--work-dir', str(work)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    ranks = [torch.load(work / f'trainable_rank{r}.pth', weights_only=True)
             for r in (0, 1)]
    # 8 images, 2 ranks, batch 2: 2 iterations per epoch, 2 epochs
    assert ranks[0]['iter'] == ranks[1]['iter'] == 4
    assert ranks[0]['wrapper'] == 'MMDistributedDataParallel'
    a, b = ranks[0]['state'], ranks[1]['state']
    assert a.keys() == b.keys() and len(a) > 50
    assert not any(k.startswith('backbone.vit.') for k in a)
    for k in a:
        assert torch.equal(a[k], b[k]), k
    # training moved the adapter (gamma starts at 0)
    assert any(a[k].abs().sum() > 0 for k in a if k.endswith('gamma'))
