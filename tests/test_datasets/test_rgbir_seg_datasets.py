# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Segmentation / SOD datasets, label checks and real MSRS images."""
import cv2
import numpy as np
import pytest
import torch
from mmengine.config import ConfigDict
from mmengine.dataset import pseudo_collate
from mmengine.registry import DATASETS, MODELS, init_default_scope

import mmunirgbir  # noqa: F401
from mmunirgbir.testing import make_synthetic_segmentation_set

from ..conftest import shared_path

PIPELINE = [
    dict(type='LoadRGBIRImagePair'),
    dict(type='LoadRGBIRSegAnnotations'),
    dict(type='RandomResize', scale=(128, 96), ratio_range=(0.5, 2.0),
         keep_ratio=True),
    dict(type='RandomCrop', crop_size=(64, 64), cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='RandomRotate', prob=1.0, degree=20),
    dict(type='PackSegInputs'),
]


@pytest.fixture(autouse=True)
def scope():
    init_default_scope('mmseg')


@pytest.mark.parametrize('ds_type,layout', [('MFNetDataset', 'mfnet'),
                                             ('PST900Dataset', 'folders')])
def test_layouts_and_aligned_geometry(tmp_path, ds_type, layout):
    n = 9 if ds_type == 'MFNetDataset' else 5
    root = make_synthetic_segmentation_set(str(tmp_path), layout,
                                           num_classes=n)
    kwargs = dict(ann_file='train.txt') if layout == 'mfnet' else {}
    ds = DATASETS.build(dict(type=ds_type, data_root=root, pipeline=PIPELINE,
                             **kwargs))
    assert len(ds) == 4
    info = ds.get_data_info(0)
    assert info['num_classes'] == n
    assert (info['ir_path'] is None) == (layout == 'mfnet')
    for seed in range(3):
        np.random.seed(seed)
        sample = ds[seed]
        img, label = sample['inputs'], sample['data_samples'].gt_sem_seg.data
        assert img.shape[0] == 6 and img.shape[1:] == label.shape[1:]
        # warm objects: IR is bright exactly where a class is labelled
        hot = img[3] > 100
        obj = (label[0] > 0) & (label[0] != 255)
        agree = (hot == obj).float().mean()
        assert agree > 0.97, agree


def test_fmb_layout(tmp_path):
    root = make_synthetic_segmentation_set(str(tmp_path), 'folders',
                                           num_classes=15)
    for old, new in (('rgb', 'Visible'), ('thermal', 'Infrared'),
                     ('labels', 'Label')):
        (tmp_path / old).rename(tmp_path / new)
    ds = DATASETS.build(dict(type='FMBDataset', data_root=root,
                             pipeline=PIPELINE))
    assert len(ds) == 4 and len(ds.metainfo['classes']) == 15
    info = ds.get_data_info(2)
    assert info['img_path'].endswith('Visible/0002.png')
    assert info['ir_path'].endswith('Infrared/0002.png')
    assert info['seg_map_path'].endswith('Label/0002.png')
    sample = ds[2]
    assert sample['inputs'].shape[0] == 6


def test_bad_label_maps_name_the_file(tmp_path):
    root = make_synthetic_segmentation_set(str(tmp_path), 'folders',
                                           num_images=2, num_classes=5)
    bad = tmp_path / 'labels' / '0001.png'
    cv2.imwrite(str(bad), np.full((96, 128), 7, np.uint8))
    ds = DATASETS.build(dict(type='PST900Dataset', data_root=root,
                             pipeline=PIPELINE))
    with pytest.raises(ValueError, match=r'0001.png has values \[7\]'):
        ds[1]
    cv2.imwrite(str(bad), np.zeros((50, 60), np.uint8))
    with pytest.raises(ValueError, match='0001.png is 60x50 but its image'):
        ds[1]
    cv2.imwrite(str(bad), np.full((96, 128), 255, np.uint8))  # ignore: fine
    ds[1]


def test_saliency_layout(tmp_path):
    root = make_synthetic_segmentation_set(str(tmp_path / 'VT821'),
                                           'saliency', num_images=3)
    ds = DATASETS.build(dict(
        type='VTSaliencyDataset', data_root=root,
        pipeline=[dict(type='LoadRGBIRImagePair'),
                  dict(type='LoadSaliencyAnnotations'),
                  dict(type='PackSegInputs',
                       meta_keys=('img_path', 'seg_map_path', 'ori_shape',
                                  'img_shape', 'dataset_name'))]))
    sample = ds[0]
    assert sample['data_samples'].metainfo['dataset_name'] == 'VT821'
    assert set(sample['data_samples'].gt_sem_seg.data.unique().tolist()) <= {
        0, 1}


def test_real_msrs_through_segmentation_model():
    """MSRS pairs (MFNet scenes) through the seg pipeline and a segmentor."""
    root = shared_path('data/msrs_mini')
    pipeline = [
        dict(type='LoadRGBIRImagePair'),
        dict(type='Resize', scale=(320, 240), keep_ratio=True),
        dict(type='PackSegInputs'),
    ]
    ds = DATASETS.build(
        dict(type='RGBIRSegDataset', data_root=str(root),
             data_prefix=dict(img_path='vi', ir_path='ir'),  # no labels
             metainfo=dict(classes=tuple(f'c{i}' for i in range(9))),
             pipeline=pipeline))
    assert len(ds) == 24
    model = MODELS.build(dict(
        type='EncoderDecoder',
        data_preprocessor=dict(
            type='RGBIRSegDataPreprocessor',
            mean=[123.675, 116.28, 103.53, 114.495, 114.495, 114.495],
            std=[58.395, 57.12, 57.375, 57.63, 57.63, 57.63]),
        backbone=dict(
            type='UniRGBIRViT', vit_cfg=dict(embed_dim=64, depth=4,
                                             num_heads=2),
            sfi_cfg=dict(num_heads=4, init_gamma=0.5),
            out_indices=(0, 1, 2, 3),
            mfp_cfg=dict(stem_channels=16, pyramid_channels=(16, 32, 32))),
        neck=dict(type='MLANeck', in_channels=[64] * 4, out_channels=32),
        decode_head=dict(type='SETRMLAHead', in_channels=(32, ) * 4,
                         channels=64, in_index=(0, 1, 2, 3), mla_channels=16,
                         num_classes=9),
        test_cfg=ConfigDict(mode='whole')))
    model.eval()
    batch = pseudo_collate([ds[0], ds[12]])  # a day and a night scene
    with torch.no_grad():
        out = model.test_step(batch)
    assert out[0].pred_sem_seg.data.shape == (1, 480, 640)  # original size
    assert out[1].seg_logits.data.shape == (9, 480, 640)
