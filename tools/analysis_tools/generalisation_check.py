# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Does fusion pay on pairs the model never saw? Train, then test unseen.

Trains the config's detector on its training set and evaluates it on its
test set (pairs it never saw) under test-time conditions, for the fused
model and its single-modality baselines, over several seeds:

- ``fused``: the config's model as it is;
- ``rgb`` / ``ir``: the same model and recipe with one image
  (``modality='rgb'`` / ``'ir'``, the ViT on that image, no modality
  dropout: a single-modality model has nothing to drop).

Each run appends one JSON line to ``WORK_DIR/results.jsonl``: the config, the
variant, the seed and every metric under every condition (with a
:class:`GroupedCocoMetric` evaluator also per group, e.g. day and night).
Several processes may share one file. ``--report`` turns such files into a
Markdown table, the mean over seeds with each seed's value::

    python tools/analysis_tools/generalisation_check.py \\
        configs/fit_check/faster-rcnn_unirgbir-dinov2-s16_simplefpn_1xb2-900i_msrs-dev.py \\
        --variants fused rgb ir --seeds 0 1 --work-dir work_dirs/gen
    python tools/analysis_tools/generalisation_check.py \\
        --report work_dirs/gen/results.jsonl [--out docs/table.md] \\
        [--plot shift_curve.png]

``--plot`` draws the metric against the IR shift (``ir_shift_<k>``
conditions), one curve per model, mean over seeds.
"""
import argparse
import copy
import json
import os
import os.path as osp
import statistics
import time
from collections import OrderedDict
from typing import Dict, Iterable, List, Optional, Sequence

from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmengine.runner import Runner, TestLoop

import mmunirgbir  # noqa: F401  (registers the RGB-IR modules)
from mmunirgbir.evaluation import condition_transforms, with_condition
from mmunirgbir.utils.config_walk import visit_dicts
from mmunirgbir.visualization.shift_curves import plot_shift_curves

VARIANTS = ('fused', 'rgb', 'ir')
#: the conditions of the fusion issue, clean first
CONDITIONS = ('clean', 'rgb_low_light', 'rgb_over_exposed', 'ir_noise',
              'ir_blur', 'rgb_missing', 'ir_missing')
METRIC = 'coco/bbox_mAP_50'
#: transforms that only make sense for a model with both images
FUSION_ONLY_TRANSFORMS = ('RandomModalityDrop', )


def _drop_transforms(node, types: Sequence[str]) -> None:
    """Remove transforms of ``types`` from every pipeline under ``node``."""
    def drop(cfg: dict) -> None:
        if isinstance(cfg.get('pipeline'), list):
            cfg['pipeline'] = [
                t for t in cfg['pipeline']
                if not (isinstance(t, dict) and t.get('type') in types)
            ]

    visit_dicts(node, drop)


def variant_config(config: str,
                   variant: str,
                   seed: int,
                   work_dir: str,
                   iters: Optional[int] = None,
                   cfg_options: Optional[dict] = None) -> Config:
    """The config of one run (``iters`` None: the config's)."""
    if variant not in VARIANTS:
        raise ValueError(f'unknown variant {variant!r}; use {VARIANTS}')
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if variant != 'fused':
        cfg.model.backbone.modality = variant
        cfg.model.backbone.vit_input = 'rgb'
        _drop_transforms(cfg.train_dataloader, FUSION_ONLY_TRANSFORMS)
    if iters is not None:
        if iters < 1:
            raise ValueError(f'--iters must be positive, got {iters}')
        cfg.train_cfg = dict(
            type='IterBasedTrainLoop', max_iters=iters, val_interval=iters)
        for scheduler in cfg.get('param_scheduler') or []:
            if scheduler.get('end', 0) > iters:
                scheduler['end'] = iters
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
    cfg.work_dir = osp.join(work_dir, name, f'{variant}_seed{seed}')
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


def run(config: str,
        variant: str,
        seed: int,
        work_dir: str,
        iters: Optional[int] = None,
        conditions: Sequence[str] = CONDITIONS,
        cfg_options: Optional[dict] = None,
        name: Optional[str] = None) -> dict:
    """Train one variant with one seed and test it under ``conditions``;
    append the result to ``work_dir/results.jsonl`` and return it."""
    for condition in conditions:  # every name checked before training
        condition_transforms(condition)
    cfg = variant_config(config, variant, seed, work_dir, iters, cfg_options)
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
    """``metric`` and its per-group keys (``coco/day/bbox_mAP_50``)."""
    prefix, _, base = metric.rpartition('/')
    keys = [metric]
    for row in rows:
        for key in row['metrics'].get('clean', {}):
            head, _, tail = key.rpartition('/')
            if tail == base and head.startswith(prefix + '/') and \
                    key not in keys:
                keys.append(key)
    return keys


def markdown_report(rows: List[dict], metric: str = METRIC,
                    conditions: Optional[Sequence[str]] = None) -> str:
    """Mean over seeds of every (name, variant): the clean metric overall
    and per group, then every other condition; each seed's value in
    brackets."""
    if not rows:
        raise ValueError('no results to report')
    conditions = list(conditions or OrderedDict.fromkeys(
        c for r in rows for c in r['metrics']))
    clean_keys = _group_keys(rows, metric)
    columns = [('clean', k) for k in clean_keys] + [
        (c, metric) for c in conditions if c != 'clean'
    ]
    runs = OrderedDict()
    for row in rows:
        runs.setdefault((row['name'], row['variant']), []).append(row)
    header = ['model', 'variant', 'seeds'] + [
        'clean' + (f' {k.split("/")[-2]}' if k != metric else '')
        for _, k in columns[:len(clean_keys)]
    ] + [c for c, _ in columns[len(clean_keys):]]
    lines = [
        '| ' + ' | '.join(header) + ' |',
        '|' + '---|' * len(header)
    ]
    for (name, variant), group in runs.items():
        group = sorted(group, key=lambda r: r['seed'])
        cells = [name, variant, ' '.join(str(r['seed']) for r in group)]
        for condition, key in columns:
            values = [r['metrics'].get(condition, {}).get(key) for r in group]
            values = [v for v in values if v is not None]
            if not values:
                cells.append('–')
            elif len(values) == 1:
                cells.append(f'{values[0]:.3f}')
            else:
                cells.append(f'{statistics.mean(values):.3f} (' + ' / '.join(
                    f'{v:.3f}' for v in values) + ')')
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


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
    parser.add_argument('--metric', default=METRIC,
                        help=f'metric of the table (default {METRIC})')
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
            table = markdown_report(rows, args.metric)
            if args.plot:
                curves = {
                    label: runs
                    for label, runs in mean_over_seeds(rows).items()
                    if any(c.startswith('ir_shift_') for c in runs)
                }
                if not curves:
                    raise ValueError('no ir_shift_<k> results to plot')
                plot_shift_curves(curves, args.metric, args.plot)
        else:
            if not args.config:
                parser.error('give a config, or --report FILES')
            rows = [
                run(args.config, variant, seed, args.work_dir, args.iters,
                    args.conditions, copy.deepcopy(args.cfg_options),
                    args.name) for seed in args.seeds
                for variant in args.variants
            ]
            table = markdown_report(rows, args.metric)
    except (ValueError, FileNotFoundError) as e:
        parser.exit(1, f'{parser.prog}: error: {e}\n')
    print(table)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(table + '\n')


if __name__ == '__main__':
    main()
