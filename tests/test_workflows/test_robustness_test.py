# Copyright (c) mmunirgbir contributors. All rights reserved.
"""The robustness test evaluates a model under every test-time condition."""
import os.path as osp

import pytest

from mmunirgbir.evaluation import DEFAULT_CONDITIONS, with_condition
from mmunirgbir.testing import make_synthetic_detection_set

from ..conftest import REPO, load_tool, write_random_checkpoint

DEMO = osp.join(
    REPO, 'configs/demo/'
    'faster-rcnn_unirgbir-vit-tiny_simplefpn_1xb4-12e_synthetic-rgbir.py')


def _tool():
    return load_tool('analysis_tools/robustness_test.py')


def test_every_condition_gives_a_row(tmp_path):
    root = str(tmp_path / 'data')
    make_synthetic_detection_set(root, 4, split='val', seed=1)
    checkpoint = write_random_checkpoint(DEMO, str(tmp_path / 'demo.pth'))
    tool = _tool()
    results = tool.robustness_test(
        DEMO, checkpoint, DEFAULT_CONDITIONS, str(tmp_path / 'work'), {
            'test_dataloader.dataset.data_root': root + '/',
            'test_evaluator.ann_file': root + '/val.json'
        })
    assert list(results) == list(DEFAULT_CONDITIONS)
    assert all('coco/bbox_mAP_50' in row for row in results.values())
    table = tool.markdown_table(results, ['coco/bbox_mAP', 'coco/bbox_mAP_50'])
    assert table.count('\n') == len(DEFAULT_CONDITIONS) + 1
    with pytest.raises(ValueError, match="unknown condition 'fog'"):
        tool.robustness_test(DEMO, checkpoint, ['clean', 'fog'])


def test_conditions_go_after_loading_in_every_pipeline():
    dataset = dict(type='ConcatDataset', datasets=[
        dict(pipeline=[dict(type='LoadRGBIRImagePair'),
                       dict(type='PackSegInputs')]),
        dict(pipeline=[dict(type='LoadRGBIRImagePair'),
                       dict(type='Resize', scale=(8, 8)),
                       dict(type='PackDetInputs', meta_keys=('img_id', ))]),
    ])
    out = with_condition(dataset, 'ir_shift_12')
    for sub in out['datasets']:
        assert sub['pipeline'][1] == dict(type='ShiftModality', modality='ir',
                                          offset=(12, 0))
        assert 'missing_modality' in sub['pipeline'][-1]['meta_keys']
    assert dataset['datasets'][0]['pipeline'][1]['type'] == 'PackSegInputs'
    with pytest.raises(ValueError, match='without LoadRGBIRImagePair'):
        with_condition(dict(pipeline=[dict(type='LoadImageFromFile')]),
                       'clean')
