# Copyright (c) mmunirgbir contributors. All rights reserved.
"""The real RGB-IR sets of the lab's shared data folder, for the tools of
this project that train on a few of their pairs (the fit check).

They live in ``$MMUNIRGBIR_SHARED/data`` (default: ``../shared/data`` beside
the repository), research use only: read in place, never copied.
"""
import os
import os.path as osp
from typing import Sequence

from mmengine.config import Config

from mmunirgbir.utils.config_walk import visit_dicts

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..', '..'))

#: MSRS in its paired YOLO layout, with the fusion labels
MSRS = dict(
    type='RGBIRYOLODataset',
    data_prefix=dict(img='vi', ir='ir', ann='labels_fusion'),
    metainfo=dict(classes=('person', 'bicycle', 'car')))

#: the sets, as datasets of this package (detection unless ``task='seg'``)
REAL_DATA = dict(
    mfnet_dev=dict(
        type='MFNetDataset',
        data_prefix=dict(img_path='images', seg_map_path='labels'),
        task='seg'),
    msrs_mini=MSRS,
    msrs_dev=MSRS,
    llvip_mini=dict(
        type='RGBIRVOCDataset',
        data_prefix=dict(img='visible', ir='infrared', ann='Annotations'),
        metainfo=dict(classes=('person', ))))


def shared_root() -> str:
    """``$MMUNIRGBIR_SHARED`` or the ``shared`` folder beside the repo."""
    return os.environ.get('MMUNIRGBIR_SHARED', osp.join(REPO, '..',
                                                        'shared'))


def real_data_root(data: str) -> str:
    """The folder of the shared set ``data`` (checked to exist)."""
    if data not in REAL_DATA:
        raise ValueError(f'unknown data {data!r}; use {tuple(REAL_DATA)}')
    root = osp.join(shared_root(), 'data', data) + '/'
    if not osp.isdir(root):
        raise FileNotFoundError(f'{root}: no such data folder (set '
                                'MMUNIRGBIR_SHARED to the shared data)')
    return root


def set_num_classes(cfg, num_classes: int) -> None:
    """Set every ``num_classes`` of a (nested) model config."""
    def fix(node: dict) -> None:
        if 'num_classes' in node:
            node['num_classes'] = num_classes

    visit_dicts(cfg, fix)


def image_folder(data: str) -> str:
    """The RGB image folder of the shared set ``data``."""
    prefix = REAL_DATA[data]['data_prefix']
    return prefix.get('img') or prefix['img_path']


def use_real_data(cfg: Config,
                  data: str,
                  train_split: str,
                  val_split: str) -> None:
    """Point ``cfg``'s train and val/test loaders at the shared set ``data``.

    Args:
        cfg (Config): A detection config (changed in place: datasets,
            evaluators, the heads' ``num_classes``) or, for a segmentation
            set, a segmentation config for its classes (datasets only).
        data (str): A key of :data:`REAL_DATA`.
        train_split (str): File of the training image names (one stem a
            line), absolute or relative to the set's folder.
        val_split (str): The same for validation and test.
    """
    root = real_data_root(data)
    dataset = dict(REAL_DATA[data], data_root=root)
    task = dataset.pop('task', 'det')
    for loader, split, test_mode in ((cfg.train_dataloader, train_split,
                                      False), (cfg.val_dataloader, val_split,
                                               True)):
        split = osp.join(root, split)
        if not osp.isfile(split):
            raise FileNotFoundError(f'{split}: no such split file')
        loader.dataset = dict(
            dataset,
            ann_file=osp.abspath(split),
            pipeline=loader.dataset.pipeline,
            test_mode=test_mode,
            **({} if task == 'seg' else dict(filter_cfg=None if test_mode
                                             else dict(filter_empty_gt=True))))
    cfg.test_dataloader = cfg.val_dataloader
    if task == 'seg':
        return
    cfg.val_evaluator = cfg.test_evaluator = dict(
        type='CocoMetric', metric='bbox')
    set_num_classes(cfg.model, len(dataset['metainfo']['classes']))


#: training transforms that only a model with both images uses
FUSION_ONLY_TRANSFORMS = ('RandomModalityDrop', )


def drop_transforms(node, types: Sequence[str]) -> None:
    """Remove transforms of ``types`` from every pipeline under ``node``."""
    def drop(cfg: dict) -> None:
        if isinstance(cfg.get('pipeline'), list):
            cfg['pipeline'] = [
                t for t in cfg['pipeline']
                if not (isinstance(t, dict) and t.get('type') in types)
            ]

    visit_dicts(node, drop)


def use_single_camera(cfg: Config, camera: str) -> None:
    """Make ``cfg``'s model the baseline of one camera ('rgb' or 'ir'),
    whatever its fusion mode: the ViT on that image and no modality
    dropout (a single-camera model has nothing to drop)."""
    cfg.model.backbone.modality = camera
    cfg.model.backbone.vit_input = 'rgb'
    drop_transforms(cfg.train_dataloader, FUSION_ONLY_TRANSFORMS)
