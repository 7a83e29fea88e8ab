# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Dataset classes on generated layouts and on the real ../shared samples."""
import json
import os

import cv2
import numpy as np
import pytest
from mmengine.registry import DATASETS, init_default_scope

import mmunirgbir  # noqa: F401
from mmunirgbir.testing import make_synthetic_detection_set

from ..conftest import shared_path



@pytest.fixture(autouse=True)
def scope():
    init_default_scope('mmdet')


PIPELINE = [
    dict(type='LoadRGBIRImagePair'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=(320, 256), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ir_path', 'ori_shape',
                    'img_shape', 'scale_factor', 'flip', 'flip_direction')),
]


def _check_sample(sample, num_classes):
    inputs = sample['inputs']
    assert inputs.shape[0] == 6
    meta = sample['data_samples'].metainfo
    assert os.path.isfile(meta['img_path']) and os.path.isfile(
        meta['ir_path'])
    labels = sample['data_samples'].gt_instances.labels
    assert ((labels >= 0) & (labels < num_classes)).all()


def _img(path, h=24, w=32, channels=3):
    shape = (h, w, channels) if channels > 1 else (h, w)
    assert cv2.imwrite(str(path), np.full(shape, 128, np.uint8))


def test_coco_with_file_name_lwir(tmp_path):
    info = make_synthetic_detection_set(str(tmp_path), 4, split='train')
    ds = DATASETS.build(
        dict(type='RGBIRCocoDataset', data_root=str(tmp_path),
             ann_file='train.json', data_prefix=dict(img='train/'),
             metainfo=dict(classes=('person', 'car')), pipeline=PIPELINE))
    assert len(ds) == 4
    d = ds.get_data_info(0)
    assert d['img_path'].endswith('train/visible/0000.png')
    assert d['ir_path'].endswith('train/infrared/0000.png')
    _check_sample(ds[0], 2)
    # without file_name_lwir the IR comes from data_prefix['ir'], same name
    ann = json.load(open(info['ann_file']))
    for im in ann['images']:
        im.pop('file_name_lwir')
        im['file_name'] = os.path.basename(im['file_name'])
    json.dump(ann, open(tmp_path / 'plain.json', 'w'))
    ds = DATASETS.build(
        dict(type='RGBIRCocoDataset', data_root=str(tmp_path),
             ann_file='plain.json',
             data_prefix=dict(img='train/visible', ir='train/infrared'),
             metainfo=dict(classes=('person', 'car')), pipeline=PIPELINE))
    assert ds.get_data_info(1)['ir_path'].endswith('train/infrared/0001.png')
    with pytest.raises(KeyError, match='IR image cannot be found'):
        DATASETS.build(
            dict(type='RGBIRCocoDataset', data_root=str(tmp_path),
                 ann_file='plain.json', data_prefix=dict(img='train/'),
                 metainfo=dict(classes=('person', 'car'))))


def _voc(tmp_path, names, boxes):
    for sub in ('vis', 'ir', 'ann'):
        (tmp_path / sub).mkdir()
    for name in names:
        _img(tmp_path / 'vis' / f'{name}.jpg')
        _img(tmp_path / 'ir' / f'{name}.jpg', channels=1)
        objs = ''.join(
            f'<object><name>{c}</name><difficult>{d}</difficult><bndbox>'
            f'<xmin>{b[0]}</xmin><ymin>{b[1]}</ymin><xmax>{b[2]}</xmax>'
            f'<ymax>{b[3]}</ymax></bndbox></object>' for c, d, b in boxes)
        (tmp_path / 'ann' / f'{name}.xml').write_text(
            f'<annotation><size><width>32</width><height>24</height>'
            f'<depth>3</depth></size>{objs}</annotation>')


def test_voc_layout_pairs_by_name(tmp_path):
    _voc(tmp_path, ['b', 'a'], [('People', 0, (1, 2, 10, 20)),
                                ('Car', 1, (3, 3, 9, 9)),
                                ('Unknown', 0, (0, 0, 5, 5))])
    cfg = dict(type='M3FDDataset', data_root=str(tmp_path),
               data_prefix=dict(img='vis', ir='ir', ann='ann'),
               pipeline=PIPELINE)
    ds = DATASETS.build(cfg)
    assert [ds.get_data_info(i)['img_id'] for i in range(2)] == ['a', 'b']
    inst = ds.get_data_info(0)['instances']
    assert [(i['bbox_label'], i['ignore_flag']) for i in inst] == [(0, 0),
                                                                    (1, 1)]
    _check_sample(ds[0], 6)
    (tmp_path / 'split.txt').write_text('b\n')
    assert len(DATASETS.build(dict(cfg, ann_file='split.txt'))) == 1
    os.remove(tmp_path / 'ir' / 'b.jpg')
    with pytest.raises(FileNotFoundError, match='without an IR partner.*b.jpg'):
        DATASETS.build(cfg)


def test_yolo_layout(tmp_path):
    for sub in ('vi', 'ir', 'labels'):
        (tmp_path / sub).mkdir()
    _img(tmp_path / 'vi' / 'x.png')
    _img(tmp_path / 'ir' / 'x.png', channels=1)
    (tmp_path / 'labels' / 'x.txt').write_text('1 0.5 0.5 0.25 0.5\n')
    (tmp_path / 'classes.txt').write_text('0 person\n1 bicycle\n2 car\n')
    ds = DATASETS.build(
        dict(type='RGBIRYOLODataset', data_root=str(tmp_path),
             pipeline=PIPELINE))
    assert ds.metainfo['classes'] == ('person', 'bicycle', 'car')
    inst = ds.get_data_info(0)['instances'][0]
    assert inst['bbox'] == [12.0, 6.0, 20.0, 18.0] and inst['bbox_label'] == 1
    _check_sample(ds[0], 3)
    (tmp_path / 'labels' / 'x.txt').write_text('7 0.5 0.5 0.2 0.2\n')
    with pytest.raises(ValueError, match=r'x.txt:1: class 7 outside'):
        DATASETS.build(dict(type='RGBIRYOLODataset', data_root=str(tmp_path)))


def test_kaist_layout(tmp_path):
    for s, night in (('set00', False), ('set09', True)):
        folder = tmp_path / 'images' / s / 'V000'
        (folder / 'visible').mkdir(parents=True)
        (folder / 'lwir').mkdir()
        _img(folder / 'visible' / 'I00001.jpg', 512, 640)
        _img(folder / 'lwir' / 'I00001.jpg', 512, 640)
        ann = tmp_path / 'annotations' / s / 'V000'
        ann.mkdir(parents=True)
        (ann / 'I00001.txt').write_text(
            '% bbGt version=3\n'
            'person 10 20 30 80 0 0 0 0 0 0 0\n'
            'people 100 20 60 60 1 0 0 0 0 0 0\n'
            'cyclist 200 20 30 70 0 0 0 0 0 1 0\n')
    (tmp_path / 'test.txt').write_text('set00/V000/I00001\nset09/V000/I00001\n')
    ds = DATASETS.build(
        dict(type='KAISTDataset', data_root=str(tmp_path),
             ann_file='test.txt', pipeline=PIPELINE))
    d0, d1 = ds.get_data_info(0), ds.get_data_info(1)
    assert (d0['illumination'], d1['illumination']) == ('day', 'night')
    assert [i['ignore_flag'] for i in d0['instances']] == [0, 1, 1]
    assert d0['instances'][0]['bbox'] == [10., 20., 40., 100.]
    assert d0['kaist_objects'][1]['occlusion'] == 1
    _check_sample(ds[0], 1)


# --------------------------------------------------------------------------- #
# real data from ../shared (fail under CI=true when missing)
# --------------------------------------------------------------------------- #
def test_real_llvip_mini_through_the_pipeline():
    root = shared_path('data/llvip_mini')
    ds = DATASETS.build(
        dict(type='LLVIPDataset', data_root=str(root),
             data_prefix=dict(img='visible', ir='infrared',
                              ann='Annotations'),
             pipeline=PIPELINE))
    assert len(ds) == 50
    assert sum(len(ds.get_data_info(i)['instances'])
               for i in range(len(ds))) == 222
    for i in (0, 25):
        sample = ds[i]
        _check_sample(sample, 1)
        assert sample['data_samples'].metainfo['ori_shape'] == (1024, 1280)


def test_real_msrs_mini_through_the_pipeline():
    root = shared_path('data/msrs_mini')
    ds = DATASETS.build(
        dict(type='RGBIRYOLODataset', data_root=str(root),
             data_prefix=dict(img='vi', ir='ir', ann='labels_fusion'),
             pipeline=PIPELINE))
    assert len(ds) == 24
    assert ds.metainfo['classes'] == ('person', 'bicycle', 'car')
    counts = np.bincount(
        [i['bbox_label'] for k in range(len(ds))
         for i in ds.get_data_info(k)['instances']], minlength=3)
    assert counts.tolist() == [99, 27, 57]
    sample = ds[0]
    _check_sample(sample, 3)
    # the thermal image (mode L PNG) is replicated into channels 3-5
    assert (sample['inputs'][3] == sample['inputs'][5]).all()
