# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Every config parses, builds, and trains one iteration on tiny data."""
import ast
import copy
import glob
import hashlib
import json
import os
import os.path as osp
import re

import cv2
import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import DATASETS, MODELS, init_default_scope
from mmengine.runner import Runner

import mmunirgbir  # noqa: F401
from mmunirgbir.configs._base_.unirgbir_vit_b import RECOMMENDED_MODALITY_DROP
from mmunirgbir.testing import (make_synthetic_detection_set,
                                make_synthetic_segmentation_set)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
#: the public configs and the real-data experiments' (projects/*/configs)
CONFIGS = sorted(
    osp.relpath(p, REPO)
    for pattern in (('configs', '**', '*.py'),
                    ('projects', '*', 'configs', '*.py'))
    for p in glob.glob(osp.join(REPO, *pattern), recursive=True)
    if '_base_' not in p)
#: segmentation and SOD configs, by their decode head's name
SEG_HEADS = ('setr-mla', 'upernet')
SEG_CONFIGS = [c for c in CONFIGS
               if osp.basename(c).split('_')[0] in SEG_HEADS]
DET_CONFIGS = [c for c in CONFIGS if c not in SEG_CONFIGS]


def test_configs_found():
    assert len(CONFIGS) >= 10


def test_config_files_hold_no_import_statement():
    """mmengine reads a file with an import statement of a non-standard
    module (or, in a virtual environment, of any module outside
    ``mmengine.config``) in the new style, and a ``_base_`` file with one
    only when ``_base_`` comes first in its walk. Without any, every config
    file and base is read in the ``_base_`` style, whatever its order."""
    files = sorted(
        p for pattern in (('configs', '**', '*.py'),
                          ('projects', '*', 'configs', '*.py'))
        for p in glob.glob(osp.join(REPO, *pattern), recursive=True))
    assert len(files) > len(CONFIGS)  # the bases too
    for path in files:
        tree = ast.parse(open(path).read(), path)
        imports = [n.lineno for n in ast.walk(tree)
                   if isinstance(n, (ast.Import, ast.ImportFrom))]
        assert not imports, f'{path}: import statement(s) at line {imports}'
        assert not Config._is_lazy_import(path), path


def test_class_counts_live_in_dataset_files():
    """Model bases leave the class count to the data (no literal counts in
    model bases or in leaves that take a dataset base). The saliency heads'
    foreground/background pair is the task's, not a data set's."""
    for path in glob.glob(osp.join(REPO, 'configs', '_base_', 'models',
                                   '*.py')):
        if 'saliency' in path:
            continue
        assert 'num_classes=' not in open(path).read().replace(' ', ''), path
    for config in CONFIGS:
        text = open(osp.join(REPO, config)).read()
        if '_base_/datasets/' in text:
            assert not re.search(r'num_classes=\d', text), config


def test_modality_dropout_rates():
    """Two-stream dropout configs drop RGB and IR at the rates of
    ``RECOMMENDED_MODALITY_DROP``; the demo's keeps 0.15 / 0.15."""
    found = set()
    for config in CONFIGS:
        if 'modality-drop' not in config:
            continue
        dataset = Config.fromfile(osp.join(REPO, config)).train_dataloader
        while 'pipeline' not in dataset:
            dataset = dataset['dataset']
        drops = [t for t in dataset['pipeline']
                 if t['type'] == 'RandomModalityDrop']
        rates = (RECOMMENDED_MODALITY_DROP if 'vit-both' in config
                 else dict(rgb_prob=0.15, ir_prob=0.15))
        assert drops == [dict(type='RandomModalityDrop', **rates)], config
        found.add('vit-both' in config)
    assert found == {True, False}


MODEL_BASES = sorted(
    glob.glob(osp.join(REPO, 'configs', '_base_', 'models', '*.py')))


@pytest.mark.parametrize('base', MODEL_BASES, ids=osp.basename)
def test_model_base_adds_only_model(base, tmp_path):
    """A model base changes ``model`` of its stock mmdet / mmseg base and
    adds no other name: its building blocks (the shared parts module,
    local helpers) never leak into the configs that inherit it."""
    stock = re.search(r"^_base_ = '([^']+)'$", open(base).read(), re.M)
    assert stock, f'{base}: one stock base, as a string'
    (tmp_path / 'stock.py').write_text(f"_base_ = '{stock.group(1)}'\n")
    stock_keys = set(Config.fromfile(str(tmp_path / 'stock.py')).keys())
    assert set(Config.fromfile(base).keys()) - stock_keys <= {'model'}


def _load(config: str) -> Config:
    cfg = Config.fromfile(osp.join(REPO, config))
    init_default_scope(cfg.default_scope)
    return cfg


#: sha256 of every leaf's effective config (``config_digest``), recorded
#: before the variant leaves were rewritten to inherit their reference leaf.
#: After an intended change of a config, rewrite it with
#: ``UPDATE_CONFIG_DIGESTS=1 pytest tests/test_configs -k builds_full_model``.
DIGESTS = osp.join(REPO, 'tests', 'fixtures', 'config_digests.json')


def config_digest(cfg: Config) -> str:
    """sha256 of a config's effective content (every merged key), with the
    shared-data location as the configs default it."""
    text = json.dumps(cfg.to_dict(), sort_keys=True, default=repr)
    shared = os.environ.get('MMUNIRGBIR_SHARED')
    if shared:
        text = text.replace(shared, '../shared')
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture(scope='module')
def recorded_digests():
    with open(DIGESTS) as f:
        digests = json.load(f)
    yield digests
    if os.environ.get('UPDATE_CONFIG_DIGESTS'):
        with open(DIGESTS, 'w') as f:
            json.dump(digests, f, indent=1, sort_keys=True)
            f.write('\n')


@pytest.mark.parametrize('config', CONFIGS)
def test_config_builds_full_model(config, recorded_digests):
    cfg = _load(config)
    # inheritance is a way of writing a config, never a change of it
    digest = config_digest(cfg)
    if os.environ.get('UPDATE_CONFIG_DIGESTS'):
        recorded_digests[config] = digest
    else:
        assert config in recorded_digests, (
            f'{config}: no digest recorded (see DIGESTS)')
        assert digest == recorded_digests[config], (
            f'{config}: its effective config changed (see DIGESTS)')
    assert 'mmunirgbir' in cfg.custom_imports['imports']
    cfg.model.backbone.pop('init_cfg', None)
    model = MODELS.build(cfg.model)
    assert type(model.backbone).__name__ == 'UniRGBIRViT'
    trainable_vit = [p for p in model.backbone.vit.parameters()
                     if p.requires_grad]
    assert not trainable_vit


def _shrink(obj, size=(128, 128)):
    """Replace 1024-pixel sizes by ``size`` everywhere in a config part."""
    if isinstance(obj, dict):
        return {k: _shrink(v, size) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        if tuple(obj) == (1024, 1024):
            return size
        return type(obj)(_shrink(v, size) for v in obj)
    return obj


@pytest.fixture(scope='module')
def tiny_data(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('synthetic'))
    make_synthetic_detection_set(root, 4, size=(96, 128), split='train')
    return root


def _tiny_backbone(cfg):
    backbone = cfg.model.backbone
    backbone.pop('init_cfg', None)
    backbone.update(
        vit_cfg=dict(embed_dim=64, depth=4, num_heads=2),
        sfi_cfg=dict(num_heads=4),
        global_attn_indexes=(1, 3),
        mfp_cfg=dict(stem_channels=16, pyramid_channels=(16, 32, 32)))
    if backbone.get('window_size'):
        backbone.window_size = 4


def _cpu_runtime(cfg, tmp_path):
    if cfg.optim_wrapper.get('type') == 'AmpOptimWrapper':  # CPU test
        cfg.optim_wrapper.type = 'OptimWrapper'
        cfg.optim_wrapper.pop('loss_scale', None)
    cfg.work_dir = str(tmp_path)
    cfg.randomness = dict(seed=0)
    cfg.env_cfg = dict(dist_cfg=dict(backend='gloo'))


@pytest.mark.parametrize('config', DET_CONFIGS)
def test_det_config_trains_one_iteration(config, tiny_data, tmp_path):
    """Each config's model, pipeline and schedule, with a tiny ViT."""
    cfg = _load(config)
    _tiny_backbone(cfg)
    cfg.model.neck.in_channels = 64
    cfg.model = _shrink(cfg.model.to_dict())
    _fewer_rois(cfg.model.get('train_cfg', {}))
    num_classes = _num_classes(cfg.model)
    classes = ('person', 'car', 'c2', 'c3', 'c4', 'c5')[:num_classes]
    loader = cfg.train_dataloader
    loader.update(batch_size=2, num_workers=0, persistent_workers=False)
    loader.pop('batch_sampler', None)
    loader.dataset = dict(
        type='RGBIRCocoDataset',
        data_root=tiny_data,
        ann_file='train.json',
        data_prefix=dict(img='train/'),
        metainfo=dict(classes=classes),
        filter_cfg=dict(filter_empty_gt=True),
        pipeline=_tiny_pipeline(loader.dataset.pipeline))
    for key in ('val_dataloader', 'test_dataloader', 'val_evaluator',
                'test_evaluator', 'val_cfg', 'test_cfg'):
        cfg.pop(key, None)
    cfg.train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=1)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=10,
                                        save_last=False)
    _cpu_runtime(cfg, tmp_path)
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.iter == len(runner.train_dataloader) >= 1
    loss = runner.message_hub.get_scalar('train/loss').current()
    assert loss == loss and loss > 0  # finite, positive


def _fewer_rois(train_cfg):
    # 512 RoIs x 3 cascade stages of 4-conv heads is minutes on a CPU
    if 'rpn_proposal' in train_cfg:
        train_cfg['rpn_proposal']['max_per_img'] = 64
    rcnn = train_cfg.get('rcnn')
    for stage in (rcnn if isinstance(rcnn, list) else [rcnn] if rcnn else []):
        stage['sampler']['num'] = 32


def _tiny_pipeline(pipeline):
    # at 128 px, LSJ's 0.1x draws leave no anchor inside the image
    pipeline = _shrink(copy.deepcopy(pipeline))
    for t in pipeline:
        if t['type'] == 'RandomResize':
            t['ratio_range'] = (0.8, 1.25)
    return pipeline


def _num_classes(model: dict) -> int:
    head = model.get('roi_head', {}).get('bbox_head') or model.get(
        'bbox_head')
    head = head[0] if isinstance(head, list) else head
    return head['num_classes']


def _small_seg_pipeline(pipeline, crop=(96, 128)):
    pipeline = copy.deepcopy(pipeline)
    for t in pipeline:
        if 'scale' in t:
            t['scale'] = (crop[1], crop[0])
        if 'crop_size' in t:
            t['crop_size'] = crop
    return pipeline


def _seg_dataset(ds, root_of):
    """Point a dataset config (or ConcatDataset) at generated data."""
    if ds.type == 'ConcatDataset':
        for sub in ds.datasets:
            _seg_dataset(sub, root_of)
        return
    ds.data_root = root_of(ds.type, ds.get('dataset_name'))
    ds.pipeline = _small_seg_pipeline(ds.pipeline)


@pytest.mark.parametrize('config', SEG_CONFIGS)
def test_seg_config_trains_and_evaluates(config, tmp_path):
    """Each segmentation / SOD config: one iteration, then validation, on
    generated data in its dataset's native layout."""
    cfg = _load(config)
    _tiny_backbone(cfg)
    neck = cfg.model.neck
    neck.in_channels = [64] * 4
    if neck.type == 'MultiLevelNeck':  # UperNet: keep it small as well
        neck.out_channels = 64
        cfg.model.decode_head.update(in_channels=[64] * 4, channels=64)
        cfg.model.auxiliary_head.update(in_channels=64, channels=64)
    cfg.model.data_preprocessor.size = (96, 128)
    num_classes = cfg.model.decode_head.num_classes

    def root_of(ds_type, name):
        layout = dict(MFNetDataset='mfnet', FMBDataset='fmb',
                      VTSaliencyDataset='saliency')
        root = str(tmp_path / 'data' / (name or ds_type))
        if not osp.isdir(root):
            make_synthetic_segmentation_set(
                root, layout.get(ds_type, 'folders'), num_images=2,
                num_classes=num_classes)
        return root

    for key in ('train_dataloader', 'val_dataloader'):
        loader = cfg[key]
        loader.update(batch_size=2, num_workers=0, persistent_workers=False)
        _seg_dataset(loader.dataset, root_of)
    cfg.test_dataloader = cfg.val_dataloader
    cfg.val_evaluator.output_dir = str(tmp_path / 'pred')
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=1,
                         val_interval=1)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=10,
                                        save_last=False, by_epoch=False)
    _cpu_runtime(cfg, tmp_path)
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.iter == 1
    keys = [k for k in runner.message_hub.log_scalars if k.startswith('val')]
    if 'vt5000' in config:
        assert {'val/sod/VT5000/Sm', 'val/sod/VT821/MAE',
                'val/sod/VT1000/maxFm'} <= set(keys), keys
        saved = glob.glob(str(tmp_path / 'pred' / 'VT821' / '*.png'))
    else:
        assert 'val/mIoU' in keys, keys
        saved = glob.glob(str(tmp_path / 'pred' / '*.png'))
    # predictions saved at the original (label map) resolution
    assert len(saved) == 2
    assert cv2.imread(saved[0], cv2.IMREAD_UNCHANGED).shape == (96, 128)


SEMANTIC_SEG_CONFIGS = [c for c in SEG_CONFIGS if 'vt5000' not in c]


@pytest.mark.parametrize('config', SEMANTIC_SEG_CONFIGS)
def test_seg_config_pipelines_stop_on_bad_inputs(config, tmp_path):
    """Through each segmentation config's own datasets and pipelines: a
    label value outside the classes, a label map of another size than its
    image and (4-channel RGB-T layouts) a 3-channel image stop with an
    error naming the file."""
    cfg = _load(config)
    num_classes = cfg.model.decode_head.num_classes
    for key in ('train_dataloader', 'val_dataloader'):
        ds = copy.deepcopy(cfg[key].dataset)
        layout = dict(MFNetDataset='mfnet', FMBDataset='fmb').get(
            ds.type, 'folders')
        root = str(tmp_path / key)
        make_synthetic_segmentation_set(root, layout, num_images=2,
                                        num_classes=num_classes)
        ds.data_root = root
        ds.pipeline = _small_seg_pipeline(ds.pipeline)
        dataset = DATASETS.build(ds)
        info = dataset.get_data_info(1)
        label = info['seg_map_path']
        cv2.imwrite(label, np.full((96, 128), num_classes, np.uint8))
        with pytest.raises(ValueError, match=rf'{re.escape(label)} has '
                           rf'values \[{num_classes}\]'):
            dataset[1]
        cv2.imwrite(label, np.zeros((50, 60), np.uint8))
        with pytest.raises(ValueError,
                           match=rf'{re.escape(label)} is 60x50 but its'):
            dataset[1]
        if layout == 'mfnet':
            cv2.imwrite(info['img_path'], np.zeros((96, 128, 3), np.uint8))
            image = re.escape(info['img_path'])
            with pytest.raises(ValueError, match=rf'{image}: .*4-channel'):
                dataset[1]
