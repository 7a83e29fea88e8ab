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


def test_shift_curve_and_plot_of_several_runs(tmp_path):
    import json
    import subprocess
    import sys
    tool = load_tool('analysis_tools/robustness_test.py')
    plot_shift_curves, shift_curve = tool.plot_shift_curves, tool.shift_curve
    plain = {'clean': {'m': 0.8}, 'ir_shift_8': {'m': 0.4},
             'ir_shift_-8': {'m': 0.2}, 'ir_shift_0_16': {'m': 0.1},
             'rgb_missing': {'m': 0.5}}
    trained = {'clean': {'m': 0.8}, 'ir_shift_8': {'m': 0.75},
               'ir_shift_16': {'m': 0.7}}
    # clean is 0 px; 8 px left and right are averaged; (0, 16) is 16 px
    assert shift_curve(plain, 'm') == [(0.0, 0.8),
                                            (8.0, pytest.approx(0.3)),
                                            (16.0, 0.1)]
    with pytest.raises(ValueError, match="no metric 'x'"):
        shift_curve(plain, 'x')
    with pytest.raises(ValueError, match='at least one ir_shift'):
        plot_shift_curves({'a': {'clean': {'m': 1}}}, 'm',
                               str(tmp_path / 'x.png'))
    paths = []
    for name, results in (('plain', plain), ('trained', trained)):
        paths.append(tmp_path / f'{name}.json')
        paths[-1].write_text(json.dumps(results))
    out = tmp_path / 'curve.png'
    script = REPO / 'tools/analysis_tools/robustness_test.py'
    subprocess.run([sys.executable, str(script), '--from-json',
                    *map(str, paths), '--labels', 'plain', 'misalign',
                    '--plot', str(out), '--plot-metric', 'm'], check=True,
                   capture_output=True)
    assert out.stat().st_size > 1000
    proc = subprocess.run([sys.executable, str(script), '--from-json',
                           str(paths[0]), '--labels', 'a', 'b'],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and '2 labels for 1 runs' in proc.stderr


def test_injector_offsets_are_measured_per_injector_and_shift(tmp_path):
    """injector_offsets.py: every injector's mean sampling offset (pixels),
    over all tokens and inside boxes, for each IR shift."""
    root = str(tmp_path / 'data')
    make_synthetic_detection_set(root, 4, split='val', seed=1)
    checkpoint = write_random_checkpoint(DEMO, str(tmp_path / 'demo.pth'))
    tool = load_tool('analysis_tools/injector_offsets.py')
    results = tool.measure(DEMO, checkpoint, [0, 8], num_images=4,
                           cfg_options={
                               'test_dataloader.dataset.data_root':
                               root + '/',
                               'work_dir': str(tmp_path / 'work')
                           })
    assert sorted(results) == [0, 8]
    for rows in results.values():
        assert len(rows) == 4  # the demo backbone's four injectors
        for row in rows:
            assert len(row['all']) == len(row['boxes']) == 2
    # the first injector's queries are RGB tokens: blind to the IR shift
    assert results[0][0] == results[8][0]
    table = tool.follow_table(results)
    assert table.count('\n') == 5 and '| 1 |' in table


def test_injector_offsets_report_the_alignment_step(tmp_path):
    """With the pool's alignment step, one more row: the IR shift it
    applied, which follows the image."""
    config = tmp_path / 'align.py'
    config.write_text(
        f'_base_ = [{DEMO!r}]\n'
        'model = dict(backbone=dict(mfp_cfg=dict(alignment_cfg=dict())))\n')
    root = str(tmp_path / 'data')
    make_synthetic_detection_set(root, 4, split='val', seed=1)
    path = write_random_checkpoint(str(config), str(tmp_path / 'align.pth'))
    tool = load_tool('analysis_tools/injector_offsets.py')
    results = tool.measure(str(config), path, [0, 8], num_images=4,
                           cfg_options={
                               'test_dataloader.dataset.data_root':
                               root + '/',
                               'work_dir': str(tmp_path / 'work')
                           })
    for rows in results.values():
        assert [r['name'] for r in rows] == ['1', '2', '3', '4', 'alignment']
    assert results[0][-1]['all'] != results[8][-1]['all']
    assert '| alignment |' in tool.follow_table(results)
