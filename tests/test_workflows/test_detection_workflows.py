# Copyright (c) mmunirgbir contributors. All rights reserved.
"""OpenMMLab workflows end to end: mim train/test, resume, inheritance."""
import glob
import os
import os.path as osp
import subprocess
import sys

import pytest
from mmengine.config import Config
from mmengine.registry import MODELS, init_default_scope

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
