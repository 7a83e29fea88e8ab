# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Does fusion pay on pairs the model never saw? Train, then test unseen.

Trains the config's detector or segmentor on its training set and evaluates
it on its test set (pairs it never saw) under test-time conditions, for the
fused model and its single-modality baselines, over several seeds:

- ``fused``: the config's model as it is;
- ``rgb`` / ``ir``: the same model and recipe with one image
  (``modality='rgb'`` / ``'ir'``, the ViT on that image, no modality
  dropout: a single-modality model has nothing to drop).

``--folds K`` tests every pair once instead: the pairs of the training and
the test split are pooled and dealt into K folds, each group of the
evaluator (e.g. day and night) spread evenly over them; run ``i`` trains on
the other K - 1 folds and tests on fold ``i`` (``--fold`` picks some).

Each run appends one JSON line to ``WORK_DIR/results.jsonl``: the config, the
variant, the seed (and fold) and every metric under every condition (with a
grouped evaluator also per group, e.g. day and night). Several processes may
share one file. ``--report`` turns such files into a Markdown table, the
mean over seeds and folds with each run's value::

    python projects/real_data_checks/tools/generalisation_check.py \\
        projects/real_data_checks/configs/faster-rcnn_unirgbir-dinov2-s16_simplefpn_1xb2-900i_msrs-dev.py \\
        --variants fused rgb ir --seeds 0 1 --work-dir work_dirs/gen
    python projects/real_data_checks/tools/generalisation_check.py CONFIG \\
        --folds 5 --seeds 0 --work-dir work_dirs/gen5
    python projects/real_data_checks/tools/generalisation_check.py \\
        --report work_dirs/gen/results.jsonl [--out table.md] \\
        [--plot shift_curve.png] [--metric mIoU]

``--plot`` draws the metric against the IR shift (``ir_shift_<k>``
conditions), one curve per model, mean over seeds.
"""
import argparse
import copy
import json
import os
import os.path as osp
import random
import statistics
import sys
import time
from collections import OrderedDict
from typing import Dict, Iterable, List, Optional, Sequence

from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmengine.runner import Runner, TestLoop

import mmunirgbir  # noqa: F401  (registers the RGB-IR modules)
from mmunirgbir.datasets.pairing import read_split_file
from mmunirgbir.evaluation.metrics.image_groups import (  # noqa: E501
    compile_groups, image_groups)
from mmunirgbir.evaluation import condition_transforms, with_condition

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from real_data import use_single_camera  # noqa: E402

#: the repository root
REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
VARIANTS = ('fused', 'rgb', 'ir')
#: the conditions of the fusion issue, clean first
CONDITIONS = ('clean', 'rgb_low_light', 'rgb_over_exposed', 'ir_noise',
              'ir_blur', 'rgb_missing', 'ir_missing', 'ir_shift_16')
#: the table's metric: detection's, segmentation's
METRICS = ('coco/bbox_mAP_50', 'mIoU')


def _split_path(dataset: dict) -> str:
    """The split file of a dataset config (relative to its data root)."""
    ann_file = dataset.get('ann_file')
    if not ann_file:
        raise ValueError('--folds needs split files (ann_file) in the train '
                         'and test datasets')
    return osp.join(dataset.get('data_root') or '', ann_file)


def make_folds(cfg: Config, folds: int, work_dir: str) -> List[tuple]:
    """Deal the pairs of ``cfg``'s train and test splits into ``folds``
    folds and write each fold's split files under ``work_dir/folds``.

    The pairs of each group of the test evaluator (``groups``: name ->
    pattern on the file stem, e.g. day and night) are shuffled with a fixed
    seed and dealt in turn, so every fold holds its share of each group.

    Returns:
        list[tuple[str, str]]: The (train, test) split files of each fold.
    """
    if folds < 2:
        raise ValueError(f'--folds must be at least 2, got {folds}')
    train = cfg.train_dataloader.dataset
    test = cfg.test_dataloader.dataset
    if train.get('data_root') != test.get('data_root'):
        raise ValueError('--folds needs the train and test datasets in one '
                         f"data root: {train.get('data_root')} and "
                         f"{test.get('data_root')}")
    stems = []
    for path in (_split_path(train), _split_path(test)):
        stems += [s for s in read_split_file(path) if s not in stems]
    if len(stems) < folds:
        raise ValueError(f'{len(stems)} pairs cannot fill {folds} folds')
    groups = compile_groups(
        (cfg.get('test_evaluator') or {}).get('groups') or {})
    strata = OrderedDict()
    for stem in sorted(stems):  # by the first group of each pair
        key = (image_groups(stem, groups) or [''])[0]
        strata.setdefault(key, []).append(stem)
    dealt = [[] for _ in range(folds)]
    turn = 0
    for members in strata.values():
        random.Random(0).shuffle(members)
        for stem in members:
            dealt[turn % folds].append(stem)
            turn += 1
    out = osp.join(work_dir, 'folds')
    os.makedirs(out, exist_ok=True)
    files = []
    for i in range(folds):
        names = dict(train=[s for j, f in enumerate(dealt) if j != i
                            for s in f], test=dealt[i])
        paths = []
        for split in ('train', 'test'):
            path = osp.abspath(osp.join(out, f'fold{i}_{split}.txt'))
            with open(path, 'w') as f:
                f.write('\n'.join(sorted(names[split])) + '\n')
            paths.append(path)
        files.append(tuple(paths))
    return files


def use_fold(cfg: Config, train_split: str, test_split: str) -> None:
    """Train ``cfg`` on ``train_split`` and validate and test it on
    ``test_split`` (absolute split files)."""
    cfg.train_dataloader.dataset.ann_file = train_split
    for key in ('val_dataloader', 'test_dataloader'):
        cfg[key].dataset.ann_file = test_split


def variant_config(config: str,
                   variant: str,
                   seed: int,
                   work_dir: str,
                   iters: Optional[int] = None,
                   cfg_options: Optional[dict] = None,
                   fold: Optional[tuple] = None) -> Config:
    """The config of one run (``iters`` None: the config's; ``fold``: the
    (index, train split, test split) of a k-fold run)."""
    if variant not in VARIANTS:
        raise ValueError(f'unknown variant {variant!r}; use {VARIANTS}')
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if fold is not None:
        use_fold(cfg, *fold[1:])
    if variant != 'fused':
        use_single_camera(cfg, variant)
    if iters is not None:
        if iters < 1:
            raise ValueError(f'--iters must be positive, got {iters}')
        cfg.train_cfg = dict(
            type='IterBasedTrainLoop', max_iters=iters, val_interval=iters)
        # schedulers that would begin after the run are left out, the
        # others end with it
        cfg.param_scheduler = [
            dict(s, end=min(s.get('end', iters), iters))
            for s in cfg.get('param_scheduler') or []
            if s.get('begin', 0) < iters
        ]
    if cfg.train_cfg.get('type') != 'IterBasedTrainLoop':
        raise ValueError('the config needs an IterBasedTrainLoop (or give '
                         '--iters)')
    # validate once, at the end; keep the trained model there
    cfg.train_cfg.val_interval = cfg.train_cfg.max_iters
    cfg.default_hooks.checkpoint = dict(
        type='CheckpointHook',
        interval=cfg.train_cfg.max_iters,
        by_epoch=False,
        max_keep_ckpts=1)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=50)
    cfg.log_processor = dict(by_epoch=False)
    cfg.visualizer.vis_backends = [dict(type='LocalVisBackend')]
    name = osp.splitext(osp.basename(config))[0]
    run_name = f'{variant}_seed{seed}' + (
        f'_fold{fold[0]}' if fold is not None else '')
    cfg.work_dir = osp.join(work_dir, name, run_name)
    cfg.randomness = dict(seed=seed)
    return cfg


def evaluate_conditions(runner: Runner, cfg: Config,
                        conditions: Iterable[str]
                        ) -> Dict[str, Dict[str, float]]:
    """The runner's model on the test set under each condition."""
    results = OrderedDict()
    for name in conditions:
        loader = dict(
            cfg.test_dataloader,
            dataset=with_condition(cfg.test_dataloader.dataset, name))
        runner._test_loop = TestLoop(runner, loader, cfg.test_evaluator)
        metrics = runner.test()
        results[name] = {
            k: round(float(v), 4)
            for k, v in metrics.items() if isinstance(v, (int, float))
        }
    return results


def run(config: str, variant: str, seed: int, work_dir: str,
        conditions: Sequence[str] = CONDITIONS, name: Optional[str] = None,
        **options) -> dict:
    """Train one variant with one seed and test it under ``conditions``;
    append the result to ``work_dir/results.jsonl`` and return it.
    ``options``: ``iters``, ``cfg_options`` and ``fold`` of
    :func:`variant_config`."""
    for condition in conditions:  # every name checked before training
        condition_transforms(condition)
    cfg = variant_config(config, variant, seed, work_dir, **options)
    fold = options.get('fold')
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    runner = Runner.from_cfg(cfg)
    start = time.perf_counter()
    runner.train()
    train_minutes = (time.perf_counter() - start) / 60
    metrics = evaluate_conditions(runner, cfg, conditions)
    row = dict(
        name=name or osp.splitext(osp.basename(config))[0],
        config=config,
        variant=variant,
        seed=seed,
        **(dict(fold=fold[0]) if fold is not None else {}),
        iters=cfg.train_cfg.max_iters,
        train_minutes=round(train_minutes, 1),
        metrics=metrics)
    os.makedirs(work_dir, exist_ok=True)
    with open(osp.join(work_dir, 'results.jsonl'), 'a') as f:
        f.write(json.dumps(row) + '\n')
    return row


def read_results(paths: Sequence[str]) -> List[dict]:
    """The runs of ``results.jsonl`` files, in order."""
    rows = []
    for path in paths:
        with open(path) as f:
            for i, line in enumerate(f, 1):
                if line.strip():
                    try:
                        rows.append(json.loads(line))
                    except json.JSONDecodeError as e:
                        raise ValueError(f'{path}:{i}: not a JSON line ({e})')
    return rows


def _group_keys(rows: List[dict], metric: str) -> List[str]:
    """``metric`` and its per-group keys (``coco/day/bbox_mAP_50`` for
    ``coco/bbox_mAP_50``, ``day/mIoU`` for ``mIoU``)."""
    prefix, _, base = metric.rpartition('/')
    start = prefix + '/' if prefix else ''
    keys = [metric]
    for row in rows:
        for key in row['metrics'].get('clean', {}):
            head, _, tail = key.rpartition('/')
            if tail == base and head.startswith(start) and \
                    head.count('/') == metric.count('/') and \
                    key not in keys:
                keys.append(key)
    return keys


def table_metric(rows: List[dict]) -> str:
    """The first of :data:`METRICS` that the runs report."""
    for metric in METRICS:
        if any(metric in r['metrics'].get('clean', {}) for r in rows):
            return metric
    raise ValueError(f'the results report none of {METRICS} (give --metric)')


def _run_label(row: dict) -> str:
    return str(row['seed']) + (f'/f{row["fold"]}' if 'fold' in row else '')


def markdown_report(rows: List[dict], metric: Optional[str] = None,
                    conditions: Optional[Sequence[str]] = None) -> str:
    """Mean over seeds (and folds) of every (name, variant): the clean
    metric overall and per group, then every other condition; each run's
    value in brackets (``metric`` None: :func:`table_metric`). Runs are
    named by seed, and ``seed/fFOLD`` for k-fold runs."""
    if not rows:
        raise ValueError('no results to report')
    metric = metric or table_metric(rows)
    conditions = list(conditions or OrderedDict.fromkeys(
        c for r in rows for c in r['metrics']))
    clean_keys = _group_keys(rows, metric)
    columns = [('clean', k) for k in clean_keys] + [
        (c, metric) for c in conditions if c != 'clean'
    ]
    runs = OrderedDict()
    for row in rows:
        runs.setdefault((row['name'], row['variant']), []).append(row)
    header = ['model', 'variant',
              'runs' if any('fold' in r for r in rows) else 'seeds'] + [
        'clean' + (f' {k.split("/")[-2]}' if k != metric else '')
        for _, k in columns[:len(clean_keys)]
    ] + [c for c, _ in columns[len(clean_keys):]]
    lines = [
        '| ' + ' | '.join(header) + ' |',
        '|' + '---|' * len(header)
    ]
    for (name, variant), group in runs.items():
        group = sorted(group, key=lambda r: (r['seed'], r.get('fold', -1)))
        cells = [name, variant, ' '.join(_run_label(r) for r in group)]
        for condition, key in columns:
            values = [r['metrics'].get(condition, {}).get(key) for r in group]
            values = [v for v in values if v is not None]
            cells.append(_mean_cell(values))
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def per_class_report(rows: List[dict], condition: str = 'clean') -> str:
    """Each class's IoU (``IoU.<class>`` keys) under ``condition``: mean
    over the runs of every (name, variant), each run's value in brackets;
    '' when the runs report no per-class IoU."""
    classes = list(OrderedDict.fromkeys(
        k[len('IoU.'):] for r in rows
        for k in r['metrics'].get(condition, {}) if k.startswith('IoU.')))
    if not classes:
        return ''
    runs = OrderedDict()
    for row in rows:
        runs.setdefault((row['name'], row['variant']), []).append(row)
    lines = ['| model | variant | ' + ' | '.join(classes) + ' |',
             '|' + '---|' * (len(classes) + 2)]
    for (name, variant), group in runs.items():
        group = sorted(group, key=lambda r: (r['seed'], r.get('fold', -1)))
        cells = [name, variant]
        for c in classes:
            values = [r['metrics'].get(condition, {}).get(f'IoU.{c}')
                      for r in group]
            values = [v for v in values if v is not None]
            cells.append(_mean_cell(values, percent=True))
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def _mean_cell(values: List[float], percent: bool = False) -> str:
    """'–', one value, or the mean with each value in brackets; fractions
    (mAP) with 3 decimals, percentages (``percent``, or any value above 1:
    IoU) with 1."""
    if not values:
        return '–'
    fmt = '.3f' if not percent and all(abs(v) <= 1 for v in values) \
        else '.1f'
    if len(values) == 1:
        return f'{values[0]:{fmt}}'
    return f'{statistics.mean(values):{fmt}} (' + ' / '.join(
        f'{v:{fmt}}' for v in values) + ')'


def mean_over_seeds(rows: List[dict]) -> Dict[str, Dict[str, dict]]:
    """Every (name, variant)'s metrics under every condition, averaged over
    its seeds, by ``name`` (``name (variant)`` for the baselines)."""
    runs: Dict[str, List[dict]] = OrderedDict()
    for row in rows:
        label = row['name'] + (
            f' ({row["variant"]})' if row['variant'] != 'fused' else '')
        runs.setdefault(label, []).append(row['metrics'])
    means = OrderedDict()
    for label, seeds in runs.items():
        means[label] = {
            condition: {
                key: statistics.mean(
                    s[condition][key] for s in seeds
                    if key in s.get(condition, {}))
                for key in seeds[0][condition]
            }
            for condition in seeds[0]
        }
    return means


def main() -> None:
    parser = argparse.ArgumentParser(
        description='Train on a real training set, test on unseen pairs '
        'under RGB-IR conditions; fused vs single-modality, over seeds.')
    parser.add_argument('config', nargs='?', help='detection config')
    parser.add_argument('--variants', nargs='+', choices=VARIANTS,
                        default=list(VARIANTS))
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1])
    parser.add_argument('--folds', type=int,
                        help='k-fold: pool the train and test pairs, test '
                        'each of K folds (each group spread evenly)')
    parser.add_argument('--fold', nargs='+', type=int,
                        help='with --folds: only these folds (0-based)')
    parser.add_argument('--iters', type=int,
                        help="training iterations (default: the config's)")
    parser.add_argument('--conditions', nargs='+', default=list(CONDITIONS),
                        help='robustness conditions (clean first)')
    parser.add_argument('--name', help='model name in the results (default: '
                        'the config file name)')
    parser.add_argument('--work-dir', default='work_dirs/generalisation')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings')
    parser.add_argument('--report', nargs='+', metavar='JSONL',
                        help='only print the table of these results files')
    parser.add_argument('--metric',
                        help=f'metric of the table (default: the first of '
                        f'{", ".join(METRICS)} that the runs report)')
    parser.add_argument('--out', help='also write the table to this file')
    parser.add_argument('--plot', metavar='OUT.png',
                        help='with --report: the metric against the IR '
                        'shift, one curve per model that has ir_shift_<k> '
                        'results (mean over seeds)')
    args = parser.parse_args()
    try:
        if args.plot and not args.report:
            parser.error('--plot goes with --report')
        if args.report:
            rows = read_results(args.report)
            metric = args.metric or table_metric(rows)
            table = markdown_report(rows, metric)
            if args.plot:
                curves = {
                    label: runs
                    for label, runs in mean_over_seeds(rows).items()
                    if any(c.startswith('ir_shift_') for c in runs)
                }
                if not curves:
                    raise ValueError('no ir_shift_<k> results to plot')
                # the plot of tools/analysis_tools/robustness_test.py
                sys.path.insert(0, osp.join(REPO, 'tools', 'analysis_tools'))
                from robustness_test import plot_shift_curves
                plot_shift_curves(curves, metric, args.plot)
        else:
            if not args.config:
                parser.error('give a config, or --report FILES')
            if args.fold and not args.folds:
                parser.error('--fold goes with --folds')
            folds = [None]
            if args.folds:
                cfg = Config.fromfile(args.config)
                if args.cfg_options:
                    cfg.merge_from_dict(copy.deepcopy(args.cfg_options))
                splits = make_folds(cfg, args.folds, args.work_dir)
                picked = args.fold or range(args.folds)
                for i in picked:
                    if not 0 <= i < args.folds:
                        raise ValueError(f'--fold {i} is not in 0..'
                                         f'{args.folds - 1}')
                folds = [(i, *splits[i]) for i in picked]
            rows = [
                run(args.config, variant, seed, args.work_dir,
                    args.conditions, args.name, iters=args.iters,
                    cfg_options=copy.deepcopy(args.cfg_options), fold=fold)
                for seed in args.seeds for fold in folds
                for variant in args.variants
            ]
            table = markdown_report(rows, args.metric)
        per_class = per_class_report(rows)
        if per_class:
            table += '\n\nPer-class IoU, clean:\n\n' + per_class
    except (ValueError, FileNotFoundError) as e:
        parser.exit(1, f'{parser.prog}: error: {e}\n')
    print(table)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(table + '\n')


if __name__ == '__main__':
    main()
