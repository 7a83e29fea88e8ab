# Copyright (c) mmunirgbir contributors. All rights reserved.
"""OpenMMLab workflows end to end: mim train/test, resume, inheritance."""
import glob
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import MODELS, init_default_scope
from mmengine.runner import Runner

import mmunirgbir
from mmunirgbir.testing import make_synthetic_detection_set

from ..conftest import shared_path

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO = osp.join(
    REPO, 'configs/demo/'
    'faster-rcnn_unirgbir-vit-tiny_simplefpn_1xb4-12e_synthetic-rgbir.py')


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('rgbir'))
    make_synthetic_detection_set(root, 8, split='train', seed=0)
    make_synthetic_detection_set(root, 4, split='val', seed=1)
    return root


def _options(root, epochs):
    opts = [f'train_cfg.max_epochs={epochs}', f'train_cfg.val_interval='
            f'{epochs}', 'default_hooks.checkpoint.interval=1']
    for split in ('train', 'val', 'test'):
        opts.append(f'{split}_dataloader.dataset.data_root={root}')
    for split in ('val', 'test'):
        opts.append(f'{split}_evaluator.ann_file={root}/val.json')
    return opts


def _run(cmd, cwd):
    """Run a command in a fresh interpreter/shell from ``cwd``."""
    env = dict(os.environ, PYTHONUNBUFFERED='1')
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    return out


def test_mim_train_test_and_resume(data_root, tmp_path):
    work = str(tmp_path / 'work')
    # interrupted after epoch 1 of 2 ...
    out = _run([sys.executable, '-m', 'mim', 'train', 'mmdet', DEMO,
                '--work-dir', work, '--cfg-options'] +
               _options(data_root, 1), cwd=str(tmp_path))
    assert 'Training command is' in out
    assert osp.isfile(osp.join(work, 'epoch_1.pth'))
    # ... and continued with --resume (latest checkpoint of the work dir)
    out = _run([sys.executable, osp.join(REPO, 'tools/train.py'), DEMO,
                '--work-dir', work, '--resume', '--cfg-options'] +
               _options(data_root, 2), cwd=str(tmp_path))
    assert 'resumed epoch: 1' in out
    assert 'Saving checkpoint at 2 epochs' in out
    assert 'Saving checkpoint at 1 epochs' not in out  # not trained again
    assert osp.isfile(osp.join(work, 'epoch_2.pth'))
    # mim test with mmdet's own test.py on our checkpoint
    out = _run([sys.executable, '-m', 'mim', 'test', 'mmdet', DEMO,
                '--checkpoint', osp.join(work, 'epoch_2.pth'), '--work-dir',
                str(tmp_path / 'test'), '--cfg-options'] +
               _options(data_root, 2), cwd=str(tmp_path))
    assert 'coco/bbox_mAP' in out
    # tools/test.py writes RGB | IR | predictions images
    _run([sys.executable, osp.join(REPO, 'tools/test.py'), DEMO,
          osp.join(work, 'epoch_2.pth'), '--work-dir', str(tmp_path / 't2'),
          '--show-dir', 'vis', '--cfg-options'] + _options(data_root, 2),
         cwd=str(tmp_path))
    images = glob.glob(str(tmp_path / 't2' / '*' / 'vis' / '*.png'))
    assert len(images) == 4
    import cv2
    vis = cv2.imread(images[0])
    assert vis.shape == (128, 3 * 160, 3)  # RGB | IR | predictions


def test_downstream_project_inherits_installed_configs(tmp_path,
                                                       monkeypatch):
    monkeypatch.setenv('MMUNIRGBIR_CONFIGS', mmunirgbir.config_root())
    cfg_file = tmp_path / 'my_detector.py'
    cfg_file.write_text(
        "_base_ = '{{$MMUNIRGBIR_CONFIGS:../mmunirgbir/configs}}/demo/"
        "faster-rcnn_unirgbir-vit-tiny_simplefpn_1xb4-12e_synthetic-rgbir.py'"
        '\nmodel = dict(roi_head=dict(bbox_head=dict(num_classes=5)))\n')
    monkeypatch.chdir(tmp_path)
    cfg = Config.fromfile(str(cfg_file))
    assert cfg.model.backbone.type == 'UniRGBIRViT'
    assert cfg.model.roi_head.bbox_head.num_classes == 5
    init_default_scope(cfg.default_scope)
    model = MODELS.build(cfg.model)
    assert model.roi_head.bbox_head.num_classes == 5


def test_real_msrs_training_with_frozen_dinov2_lowers_loss(
        dinov2_weights, tmp_path):
    root = shared_path('data/msrs_mini')
    cfg = Config.fromfile(DEMO)
    pipeline = [
        dict(type='LoadRGBIRImagePair'),
        dict(type='LoadAnnotations', with_bbox=True),
        dict(type='Resize', scale=(280, 210), keep_ratio=True),
        dict(type='PackDetInputs'),
    ]
    cfg.model.backbone = dict(
        type='UniRGBIRViT',
        vit_name='vit_small_patch14_dinov2',
        img_size=518,
        sfi_cfg=dict(num_heads=6),
        mfp_cfg=dict(stem_channels=32, pyramid_channels=(64, 96, 96)),
        init_cfg=dict(type='Pretrained', checkpoint=str(dinov2_weights)))
    cfg.model.neck.update(in_channels=384, scale_factors=(4.0, 2.0, 1.0),
                          num_outs=4)
    cfg.model.roi_head.bbox_head.num_classes = 3
    cfg.train_dataloader.batch_size = 2
    cfg.train_dataloader.dataset = dict(  # replaces the demo's data set
        type='RGBIRYOLODataset',
        data_root=str(root),
        data_prefix=dict(img='vi', ir='ir', ann='labels_fusion'),
        ann_file=str(tmp_path / 'subset.txt'),
        pipeline=pipeline)
    (tmp_path / 'subset.txt').write_text('00016N\n00233D\n01094N\n00392D\n')
    for key in ('val_dataloader', 'test_dataloader', 'val_evaluator',
                'test_evaluator', 'val_cfg', 'test_cfg'):
        cfg.pop(key, None)
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=24)
    cfg.param_scheduler = []
    cfg.optim_wrapper.optimizer.lr = 5e-4
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=100)
    cfg.log_processor = dict(window_size=1, by_epoch=False)
    cfg.work_dir = str(tmp_path)
    cfg.randomness = dict(seed=0)
    runner = Runner.from_cfg(cfg)
    runner.train()
    # the real DINOv2 weights loaded into the frozen ViT
    vit = runner.model.backbone.vit
    assert not any(p.requires_grad for p in vit.parameters())
    assert vit.blocks[0].ls1.gamma.abs().max() > 1  # trained, not init
    losses, _ = runner.message_hub.get_scalar('train/loss').data
    assert len(losses) == 24
    first, last = np.mean(losses[:6]), np.mean(losses[-6:])
    assert last < 0.8 * first, (first, last)


def test_rgbir2coco_round_trip_on_real_llvip(tmp_path):
    root = str(shared_path('data/llvip_mini'))
    out = str(tmp_path / 'llvip.json')
    config = osp.join(
        REPO, 'configs/unirgbir/'
        'cascade-rcnn_unirgbir-vit-b_simplefpn_16xb4-lsj-100e_llvip.py')
    log = _run([
        sys.executable,
        osp.join(REPO, 'tools/dataset_converters/rgbir2coco.py'), config,
        '--split', 'val', '--root', root, '--out', out, '--cfg-options',
        f'val_dataloader.dataset.data_root={root}',
        'val_dataloader.dataset.data_prefix.img=visible',
        'val_dataloader.dataset.data_prefix.ir=infrared'
    ], cwd=str(tmp_path))
    assert 'wrote 50 images and 222 boxes' in log
    from mmengine.registry import DATASETS
    init_default_scope('mmdet')
    ds = DATASETS.build(
        dict(type='RGBIRCocoDataset', data_root=root, ann_file=out,
             metainfo=dict(classes=('person', )), pipeline=[]))
    assert len(ds) == 50
    info = ds.get_data_info(0)
    assert info['img_path'] == osp.join(root, 'visible', '010001.jpg')
    assert info['ir_path'] == osp.join(root, 'infrared', '010001.jpg')
    assert sum(len(ds.get_data_info(i)['instances'])
               for i in range(50)) == 222
