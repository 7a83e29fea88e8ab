# Copyright (c) mmunirgbir contributors. All rights reserved.
"""The generalisation check: train on real pairs, test on unseen ones."""
import json
import os.path as osp

import pytest

from ..conftest import REAL_DATA_CHECKS, load_tool, shared_path

CONFIGS = str(REAL_DATA_CHECKS / 'configs')
PAPER = osp.join(
    CONFIGS, 'faster-rcnn_unirgbir-dinov2-s16_simplefpn_1xb2-900i_msrs-dev.py')
SEG = osp.join(CONFIGS,
               'setr-mla_unirgbir-dinov2-s16_1xb2-1000i_mfnet-dev.py')
DROP = osp.join(
    CONFIGS, 'faster-rcnn_unirgbir-dinov2-s16-vit-both-exposure-aug-'
    'modality-drop_simplefpn_1xb2-900i_msrs-dev.py')


def _tool():
    return load_tool('generalisation_check.py', REAL_DATA_CHECKS / 'tools')


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
    # the segmentation recipe's decay begins after 50 iterations: a shorter
    # run keeps the warm-up only
    seg = tool.variant_config(SEG, 'fused', 0, str(tmp_path), iters=30)
    assert [(s['type'], s['end']) for s in seg.param_scheduler] == [
        ('LinearLR', 30)]
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
    script = str(REAL_DATA_CHECKS / 'tools' / 'generalisation_check.py')
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


def _fold_config(tmp_path, train, test):
    (tmp_path / 'train.txt').write_text('\n'.join(train) + '\n')
    (tmp_path / 'val.txt').write_text('\n'.join(test) + '\n')
    path = tmp_path / 'cfg.py'
    path.write_text(
        f"root = '{tmp_path}/'\n"
        "train_dataloader = dict(dataset=dict(data_root=root, "
        "ann_file='train.txt'))\n"
        "val_dataloader = dict(dataset=dict(data_root=root, "
        "ann_file='val.txt'))\n"
        "test_dataloader = val_dataloader\n"
        "test_evaluator = dict(groups=dict(day='D$', night='N$'))\n")
    from mmengine.config import Config
    return Config.fromfile(str(path))


def test_folds_test_every_pair_once_with_day_and_night_spread(tmp_path):
    tool = _tool()
    day = [f'{i:05d}D' for i in range(13)]
    night = [f'{i:05d}N' for i in range(100, 112)]
    cfg = _fold_config(tmp_path, day[:10] + night[:9], day[10:] + night[9:])
    files = tool.make_folds(cfg, 5, str(tmp_path / 'work'))
    assert len(files) == 5
    tested = []
    for train, test in files:
        train, test = tool.read_split_file(train), tool.read_split_file(test)
        assert not set(train) & set(test)
        assert sorted(train + test) == sorted(day + night)
        # each fold holds its share of day and of night pairs
        assert sum(s.endswith('D') for s in test) in (2, 3)
        assert sum(s.endswith('N') for s in test) in (2, 3)
        tested += test
    assert sorted(tested) == sorted(day + night)
    # the same folds on a second call
    assert [open(t).read() for _, t in files] == [
        open(t).read()
        for _, t in tool.make_folds(cfg, 5, str(tmp_path / 'again'))
    ]
    tool.use_fold(cfg, *files[1])
    assert cfg.train_dataloader.dataset.ann_file == files[1][0]
    assert cfg.test_dataloader.dataset.ann_file == files[1][1]
    with pytest.raises(ValueError, match='at least 2'):
        tool.make_folds(cfg, 1, str(tmp_path))
    with pytest.raises(ValueError, match='cannot fill'):
        tool.make_folds(cfg, 40, str(tmp_path))


def _seg_row(variant, seed, fold, miou, night, car):
    return dict(name='seg', variant=variant, seed=seed, fold=fold,
                metrics=dict(clean={'mIoU': miou, 'day/mIoU': 50.0,
                                    'night/mIoU': night, 'IoU.car': car,
                                    'day/IoU.car': 1.0}))


def test_report_of_segmentation_folds_with_per_class_iou():
    tool = _tool()
    rows = [_seg_row('fused', 0, 0, 40.0, 30.0, 60.0),
            _seg_row('fused', 0, 1, 50.0, 40.0, 70.0),
            _seg_row('ir', 0, 0, 20.0, 20.0, 10.0)]
    lines = tool.markdown_report(rows).splitlines()
    assert lines[0] == ('| model | variant | runs | clean | clean day | '
                        'clean night |')
    assert lines[2] == ('| seg | fused | 0/f0 0/f1 | 45.0 (40.0 / 50.0) | '
                        '50.0 (50.0 / 50.0) | 35.0 (30.0 / 40.0) |')
    per_class = tool.per_class_report(rows).splitlines()
    assert per_class[0] == '| model | variant | car |'
    assert per_class[2] == '| seg | fused | 65.0 (60.0 / 70.0) |'
    assert per_class[3] == '| seg | ir | 10.0 |'
    assert tool.per_class_report([_row('paper', 'fused', 0, .3, .2, .1)]) \
        == ''
