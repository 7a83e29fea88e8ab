# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Bad boxes in any detection dataset: a clear error naming the file and
line, or (opted in) a counted drop; never a NaN box trained on silently."""
import json
import math
import random

import cv2
import numpy as np
import pytest
from mmengine.registry import DATASETS, init_default_scope

import mmunirgbir  # noqa: F401
from mmunirgbir.datasets import box_validation
from mmunirgbir.datasets.box_validation import (BoxValidator,
                                                InvalidAnnotationError)

W, H = 32, 24


@pytest.fixture(autouse=True)
def scope():
    init_default_scope('mmdet')


def _pair(root, rgb='vi', ir='ir', name='x', ext='.png'):
    for sub in (rgb, ir):
        (root / sub).mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(root / rgb / f'{name}{ext}'),
                       np.full((H, W, 3), 128, np.uint8))
    assert cv2.imwrite(str(root / ir / f'{name}{ext}'),
                       np.full((H, W), 90, np.uint8))


def yolo(root, lines, **kwargs):
    _pair(root)
    (root / 'labels').mkdir(exist_ok=True)
    (root / 'labels' / 'x.txt').write_text(lines)
    return DATASETS.build(
        dict(type='RGBIRYOLODataset', data_root=str(root),
             metainfo=dict(classes=('person', 'car')), **kwargs))


def voc(root, boxes, **kwargs):
    _pair(root, 'vis', 'ir', ext='.jpg')
    (root / 'ann').mkdir(exist_ok=True)
    objs = ''.join(
        f'<object>\n<name>person</name>\n<bndbox>\n{box}\n</bndbox>\n'
        '</object>\n' for box in boxes)
    (root / 'ann' / 'x.xml').write_text(
        f'<annotation>\n<size><width>{W}</width><height>{H}</height>'
        f'</size>\n{objs}</annotation>\n')
    return DATASETS.build(
        dict(type='LLVIPDataset', data_root=str(root),
             data_prefix=dict(img='vis', ir='ir', ann='ann'), **kwargs))


def voc_box(x1, y1, x2, y2):
    return (f'<xmin>{x1}</xmin><ymin>{y1}</ymin><xmax>{x2}</xmax>'
            f'<ymax>{y2}</ymax>')


def coco(root, bboxes, **kwargs):
    _pair(root, 'visible', 'infrared')
    anns = [dict(id=i + 1, image_id=1, category_id=1, bbox=b, area=1.0,
                 iscrowd=0) for i, b in enumerate(bboxes)]
    (root / 'x.json').write_text(json.dumps(dict(
        images=[dict(id=1, file_name='visible/x.png',
                     file_name_lwir='infrared/x.png', width=W, height=H)],
        annotations=anns, categories=[dict(id=1, name='person')])))
    return DATASETS.build(
        dict(type='RGBIRCocoDataset', data_root=str(root), ann_file='x.json',
             metainfo=dict(classes=('person', )), **kwargs))


def kaist(root, lines, **kwargs):
    folder = root / 'images' / 'set00' / 'V000'
    _pair(folder, 'visible', 'lwir', 'I00001', '.jpg')
    ann = root / 'annotations' / 'set00' / 'V000'
    ann.mkdir(parents=True, exist_ok=True)
    (ann / 'I00001.txt').write_text('% bbGt version=3\n' + lines)
    (root / 'test.txt').write_text('set00/V000/I00001\n')
    return DATASETS.build(
        dict(type='KAISTDataset', data_root=str(root), ann_file='test.txt',
             **kwargs))


def boxes(ds):
    return [i['bbox'] for d in ds.load_data_list() for i in d['instances']]


# --------------------------------------------------------------------------- #
# each bad label, per dataset: the error names the file (and line)
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize('line, reason', [
    ('0 1.5 1.5 0.4 0.4', 'wholly outside'),
    ('0 nan 0.5 0.2 0.2', 'non-finite'),
    ('0 0.5 0.5 0 0.2', 'empty box'),
    ('0 0.5 0.5 -0.2 0.2', 'empty box'),
    ('0 0.5 0.5 8 6', r'normalised to \[0, 1\].*pixel coordinates'),
    ('car 0.5 0.5 0.2 0.2', "class 'car' is not an integer"),
    ('0 0.5 0.5 0.2', 'expected "cls cx cy w h"'),
    ('0 0.5 0.5 0.2 12px', 'not a number'),
])
def test_yolo_bad_line_names_file_and_line(tmp_path, line, reason):
    with pytest.raises(InvalidAnnotationError, match=rf'x\.txt:2: .*{reason}'):
        yolo(tmp_path, f'1 0.5 0.5 0.2 0.2\n{line}\n')


def test_yolo_drop_counts_and_keeps_the_good_boxes(tmp_path):
    messages = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(box_validation, 'print_log',
                   lambda msg, **kwargs: messages.append(msg))
        ds = yolo(tmp_path, '1 0.5 0.5 0.25 0.5\n0 nan 0.5 0.2 0.2\n'
                  '0 1.5 1.5 0.4 0.4\n', invalid_boxes='drop')
    assert boxes(ds) == [[12.0, 6.0, 20.0, 18.0]]
    # the load inside the constructor warned once, with the count and where
    assert any('dropped 2 invalid boxes' in m and 'x.txt:2' in m
               for m in messages)


@pytest.mark.parametrize('box, reason', [
    (voc_box('nan', 2, 10, 10), 'non-finite'),
    (voc_box('12px', 2, 10, 10), r"<bndbox/xmin> '12px' is not a number"),
    ('<ymin>2</ymin><xmax>10</xmax><ymax>10</ymax>',
     r'no <bndbox/xmin> element'),
    (voc_box(40, 30, 50, 40), 'wholly outside'),
    (voc_box(10, 10, 10, 20), 'empty box'),
])
def test_voc_bad_object_names_file_and_line(tmp_path, box, reason):
    # the second <object> starts on line 9 of the file
    with pytest.raises(InvalidAnnotationError, match=rf'x\.xml:9: .*{reason}'):
        voc(tmp_path, [voc_box(1, 2, 10, 10), box])
    ds = voc(tmp_path, [voc_box(1, 2, 10, 10), box], invalid_boxes='drop')
    assert boxes(ds) == [[1, 2, 10, 10]]


def test_voc_bad_size_names_file(tmp_path):
    _pair(tmp_path, 'vis', 'ir', ext='.jpg')
    (tmp_path / 'ann').mkdir()
    (tmp_path / 'ann' / 'x.xml').write_text(
        '<annotation><size><width>32px</width><height>24</height></size>'
        '</annotation>')
    with pytest.raises(InvalidAnnotationError,
                       match=r"x\.xml: <size/width> '32px' is not a number"):
        DATASETS.build(
            dict(type='LLVIPDataset', data_root=str(tmp_path),
                 data_prefix=dict(img='vis', ir='ir', ann='ann')))


@pytest.mark.parametrize('bbox, reason', [
    ([float('nan'), 1, 5, 5], 'non-finite'),
    ([40, 30, 5, 5], 'wholly outside'),
    ([1, 1, -3, 5], 'empty box'),
    ([1, 1, 5], 'is not 4 numbers'),
    (None, 'is not 4 numbers'),
])
def test_coco_bad_annotation_names_json_and_id(tmp_path, bbox, reason):
    with pytest.raises(InvalidAnnotationError,
                       match=rf'x\.json: annotation id 2 .*{reason}'):
        coco(tmp_path, [[1, 1, 8, 8], bbox])
    assert boxes(coco(tmp_path, [[1, 1, 8, 8], bbox],
                      invalid_boxes='drop')) == [[1, 1, 9, 9]]


@pytest.mark.parametrize('line, reason', [
    ('person nan 20 30 80 0 0 0 0 0 0 0', 'not finite'),
    ('person 10 20 -30 80 0 0 0 0 0 0 0', 'not finite and non-negative'),
    ('person 10 20 3O 80 0 0 0 0 0 0 0', 'not a number'),
    ('person 10 20', 'expected "lbl l t w h occ'),
])
def test_kaist_bad_line_names_file_and_line(tmp_path, line, reason):
    with pytest.raises(InvalidAnnotationError,
                       match=rf'I00001\.txt:3: .*{reason}'):
        kaist(tmp_path, f'person 10 20 30 80 0 0 0 0 0 0 0\n{line}\n')


def test_unknown_policy_is_refused():
    with pytest.raises(ValueError, match='invalid_boxes must be one of'):
        BoxValidator('clip')


# --------------------------------------------------------------------------- #
# fuzz: corrupted label lines end in a clean error or a counted drop
# --------------------------------------------------------------------------- #
TOKENS = ['nan', 'inf', '-inf', '-1', '0', '1.5', '640', '1e9', 'abc', '12px',
          '0.5', '0.0001', '-0.3', '', '0x10', '1,5']


def _corrupt(rng, tokens):
    tokens = list(tokens)
    for _ in range(rng.randint(1, 3)):
        op = rng.random()
        if op < 0.7 and tokens:
            tokens[rng.randrange(len(tokens))] = rng.choice(TOKENS)
        elif op < 0.85 and tokens:
            del tokens[rng.randrange(len(tokens))]
        else:
            tokens.insert(rng.randrange(len(tokens) + 1), rng.choice(TOKENS))
    return ' '.join(t for t in tokens if t)


def _valid(bbox):
    x1, y1, x2, y2 = bbox
    return all(math.isfinite(v) for v in bbox) and x2 >= x1 and y2 >= y1


@pytest.mark.parametrize('kind', ['yolo', 'voc', 'coco', 'kaist'])
def test_fuzzed_labels_end_in_an_error_or_a_counted_drop(tmp_path, kind):
    rng = random.Random(kind)
    good = dict(yolo='1 0.5 0.5 0.2 0.2'.split(), voc=['1', '2', '10', '10'],
                coco=['1', '1', '8', '8'],
                kaist='person 10 20 30 80 0 0 0 0 0 0 0'.split())[kind]
    outcomes = dict(error=0, kept=0, dropped=0)
    for case in range(50):
        tokens = _corrupt(rng, good).split()
        root = tmp_path / str(case)
        root.mkdir()
        if kind == 'yolo':
            build = lambda **kw: yolo(root, ' '.join(tokens) + '\n', **kw)  # noqa: E731,E501
        elif kind == 'voc':
            box = voc_box(*(tokens + [''] * 4)[:4])
            build = lambda **kw: voc(root, [box], **kw)  # noqa: E731
        elif kind == 'coco':
            bbox = [float(t) if _is_number(t) else t for t in tokens]
            build = lambda **kw: coco(root, [bbox], **kw)  # noqa: E731
        else:
            build = lambda **kw: kaist(root, ' '.join(tokens) + '\n', **kw)  # noqa: E731,E501
        try:
            kept = boxes(build())
        except InvalidAnnotationError as e:
            assert str(root) in str(e)
            outcomes['error'] += 1
            kept = boxes(build(invalid_boxes='drop'))
            outcomes['dropped'] += kept == []
        else:
            outcomes['kept'] += 1
        assert all(_valid(b) for b in kept), (tokens, kept)
    # the corruption produced both kinds of outcome
    assert outcomes['error'] > 10 and outcomes['kept'] > 0, outcomes
    assert outcomes['dropped'] == outcomes['error']


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True
