# Copyright (c) mmunirgbir contributors. All rights reserved.
"""The generalisation check: train on real pairs, test on unseen ones."""
import json
import os.path as osp

import pytest

from ..conftest import REPO, load_tool, shared_path

CONFIGS = osp.join(REPO, 'configs/fit_check')
PAPER = osp.join(
    CONFIGS, 'faster-rcnn_unirgbir-dinov2-s16_simplefpn_1xb2-900i_msrs-dev.py')
DROP = osp.join(
    CONFIGS, 'faster-rcnn_unirgbir-dinov2-s16-vit-both-exposure-aug-'
    'modality-drop_simplefpn_1xb2-900i_msrs-dev.py')


def _tool():
    return load_tool('analysis_tools/generalisation_check.py')


def _types(cfg):
    return [t['type'] for t in cfg.train_dataloader.dataset.pipeline]


def test_baselines_get_the_same_recipe_with_one_image(tmp_path):
    tool = _tool()
    fused = tool.variant_config(DROP, 'fused', 0, str(tmp_path))
    ir = tool.variant_config(DROP, 'ir', 1, str(tmp_path), iters=30)
    assert fused.model.backbone.vit_input == 'both'
    assert fused.model.backbone.get('modality', 'rgbir') == 'rgbir'
    assert 'RandomModalityDrop' in _types(fused)
    assert (ir.model.backbone.modality, ir.model.backbone.vit_input) == (
        'ir', 'rgb')
    # the recipe stays (exposure augmentation), dropout has nothing to drop
    assert _types(ir) == [t for t in _types(fused)
                          if t != 'RandomModalityDrop']
    assert ir.train_cfg.max_iters == 30 and ir.randomness.seed == 1
    assert ir.param_scheduler[0].end == 30  # warm-up within the run
    assert fused.work_dir != ir.work_dir
    with pytest.raises(ValueError, match='unknown variant'):
        tool.variant_config(PAPER, 'thermal', 0, str(tmp_path))
    with pytest.raises(ValueError, match='unknown condition'):
        tool.run(PAPER, 'fused', 0, str(tmp_path), conditions=['foggy'])


def _row(name, variant, seed, clean, night, dark):
    return dict(name=name, variant=variant, seed=seed, metrics=dict(
        clean={'coco/bbox_mAP_50': clean, 'coco/day/bbox_mAP_50': 0.5,
               'coco/night/bbox_mAP_50': night, 'coco/bbox_mAP': 0.1},
        rgb_low_light={'coco/bbox_mAP_50': dark}))


def test_report_is_the_mean_over_seeds_with_each_seed(tmp_path):
    tool = _tool()
    path = tmp_path / 'results.jsonl'
    rows = [_row('paper', 'fused', 0, 0.3, 0.2, 0.1),
            _row('paper', 'fused', 1, 0.4, 0.3, 0.2),
            _row('paper', 'ir', 0, 0.5, 0.4, 0.5)]
    path.write_text(''.join(json.dumps(r) + '\n' for r in rows))
    table = tool.markdown_report(tool.read_results([str(path)]))
    lines = table.splitlines()
    assert lines[0] == ('| model | variant | seeds | clean | clean day | '
                        'clean night | rgb_low_light |')
    assert lines[2] == ('| paper | fused | 0 1 | 0.350 (0.300 / 0.400) | '
                        '0.500 (0.500 / 0.500) | 0.250 (0.200 / 0.300) | '
                        '0.150 (0.100 / 0.200) |')
    assert lines[3] == '| paper | ir | 0 | 0.500 | 0.500 | 0.400 | 0.500 |'
    path.write_text('not json\n')
    with pytest.raises(ValueError, match='results.jsonl:1'):
        tool.read_results([str(path)])


def test_report_plots_the_shift_curves_of_the_models_that_have_them(
        tmp_path):
    """``--report --plot``: one curve per model with ir_shift_<k> results,
    each the mean over its seeds; models without shifts are left out."""
    import subprocess
    import sys
    tool = _tool()
    rows = [_row('paper', 'fused', s, 0.3 + s / 10, 0.2, 0.1)
            for s in (0, 1)] + [_row('paper', 'ir', 0, 0.5, 0.4, 0.5)]
    for i, row in enumerate(rows[:2]):
        row['metrics']['ir_shift_16'] = {'coco/bbox_mAP_50': 0.1 * (i + 1)}
    means = tool.mean_over_seeds(rows)
    assert list(means) == ['paper', 'paper (ir)']
    assert means['paper']['clean']['coco/bbox_mAP_50'] == pytest.approx(0.35)
    assert means['paper']['ir_shift_16']['coco/bbox_mAP_50'] == \
        pytest.approx(0.15)
    path, out = tmp_path / 'results.jsonl', tmp_path / 'curve.png'
    path.write_text(''.join(json.dumps(r) + '\n' for r in rows))
    script = osp.join(REPO, 'tools/analysis_tools/generalisation_check.py')
    subprocess.run([sys.executable, script, '--report', str(path), '--plot',
                    str(out)], check=True, capture_output=True)
    assert out.stat().st_size > 1000
    path.write_text(json.dumps(rows[2]) + '\n')
    proc = subprocess.run([sys.executable, script, '--report', str(path),
                           '--plot', str(out)], capture_output=True,
                          text=True)
    assert proc.returncode == 1 and 'no ir_shift_<k>' in proc.stderr


def test_short_run_on_real_pairs_reports_day_and_night(dinov2_weights,
                                                       tmp_path):
    """A few real MSRS pairs, a few iterations: the whole path (train, every
    condition, per-group metrics, the JSON line) on the real foundation."""
    root = shared_path('data/msrs_dev')
    train, val = tmp_path / 'train.txt', tmp_path / 'val.txt'
    train.write_text('\n'.join(
        open(root / 'train.txt').read().split()[:4]))
    names = open(root / 'val.txt').read().split()
    day = [n for n in names if n.endswith('D')][:2]
    night = [n for n in names if n.endswith('N')][:2]
    val.write_text('\n'.join(day + night))
    tool = _tool()
    row = tool.run(
        PAPER, 'fused', 0, str(tmp_path / 'work'), iters=4,
        conditions=['clean', 'rgb_missing'],
        cfg_options={
            'model.backbone.init_cfg.checkpoint': str(dinov2_weights),
            'train_dataloader.dataset.ann_file': str(train),
            'val_dataloader.dataset.ann_file': str(val),
            'test_dataloader.dataset.ann_file': str(val),
        })
    assert list(row['metrics']) == ['clean', 'rgb_missing']
    for metrics in row['metrics'].values():
        for key in ('coco/bbox_mAP_50', 'coco/day/bbox_mAP_50',
                    'coco/night/bbox_mAP_50'):
            assert 0 <= metrics[key] <= 1
    lines = (tmp_path / 'work' / 'results.jsonl').read_text().splitlines()
    assert json.loads(lines[-1]) == row
    assert 'clean night' in tool.markdown_report([row])
