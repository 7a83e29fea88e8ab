# Copyright (c) mmunirgbir contributors. All rights reserved.
"""How does a trained model degrade? Evaluate it under test-time conditions.

Runs the config's own test set and evaluator once per condition (the
transforms of :mod:`mmunirgbir.evaluation.robustness_conditions`, inserted
after loading): clean, RGB missing, IR missing, IR shifted by k pixels,
RGB low light and over-exposed, IR noise, RGB / IR blur. Detection,
segmentation and salient-object configs alike. Prints a Markdown table and
one JSON line, and writes both to the work dir::

    python tools/analysis_tools/robustness_test.py CONFIG CHECKPOINT \\
        [--conditions clean rgb_missing ir_shift_8 ...] [--metrics KEY ...]

Several checkpoints of the same config give one table each, and
``--plot OUT.png`` draws the metric against the IR shift in pixels (the
``clean`` and ``ir_shift_*`` conditions), one curve per checkpoint.
Checkpoints of different configs are compared from their earlier runs'
JSON files: ``--plot OUT.png --from-json A/robustness.json B/robustness.json
--labels plain misalign``.
"""
import argparse
import json
import math
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmengine.runner import Runner, TestLoop

import mmunirgbir  # noqa: F401  (registers the RGB-IR modules)
from mmunirgbir.evaluation import (DEFAULT_CONDITIONS, condition_shift,
                                   condition_transforms, with_condition)


def shift_curve(results: Dict[str, Dict[str, float]],
                metric: str) -> List[Tuple[float, float]]:
    """(|shift| in pixels, metric) of the ``clean`` (0 px) and
    ``ir_shift_*`` conditions, by shift; several conditions of one length
    (e.g. 8 px left and right) are averaged."""
    points: Dict[float, List[float]] = {}
    for name, row in results.items():
        shift = condition_shift(name)
        if shift is None:
            continue
        px = math.hypot(*shift)
        if metric not in row:
            raise ValueError(f'no metric {metric!r} in the results (have '
                             f'{sorted(row)})')
        points.setdefault(px, []).append(row[metric])
    return [(px, sum(v) / len(v)) for px, v in sorted(points.items())]


def plot_shift_curves(runs: Dict[str, Dict[str, Dict[str, float]]],
                      metric: str, path: str) -> None:
    """One curve of ``metric`` against the IR shift per labelled run."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 4))
    for label, results in runs.items():
        curve = shift_curve(results, metric)
        if len(curve) < 2:
            raise ValueError(f'{label}: the plot needs clean and at least '
                             'one ir_shift_<k> condition')
        ax.plot(*zip(*curve), marker='o', label=label)
    ax.set_xlabel('IR shifted against RGB (pixels)')
    ax.set_ylabel(metric)
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def robustness_test(config: str,
                    checkpoint: str,
                    conditions: Sequence[str] = DEFAULT_CONDITIONS,
                    work_dir: str = 'work_dirs/robustness',
                    cfg_options: Optional[dict] = None
                    ) -> Dict[str, Dict[str, float]]:
    """The config's test metrics under each condition, in order."""
    for name in conditions:  # every name checked before anything runs
        condition_transforms(name)
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    cfg.load_from = checkpoint
    cfg.resume = False
    cfg.work_dir = work_dir
    cfg.visualizer.vis_backends = [dict(type='LocalVisBackend')]
    runner = Runner.from_cfg(cfg)
    results = {}
    for name in conditions:
        loader = dict(cfg.test_dataloader,
                      dataset=with_condition(cfg.test_dataloader.dataset,
                                             name))
        runner._test_loop = TestLoop(runner, loader, cfg.test_evaluator)
        metrics = runner.test()
        results[name] = {k: float(v) for k, v in metrics.items()
                         if isinstance(v, (int, float))}
    return results


def markdown_table(results: Dict[str, Dict[str, float]],
                   metrics: Optional[Sequence[str]] = None) -> str:
    """Conditions as rows, metrics as columns."""
    keys: List[str] = list(metrics or next(iter(results.values())))
    lines = ['| condition | ' + ' | '.join(keys) + ' |',
             '|---|' + '---|' * len(keys)]
    for name, row in results.items():
        lines.append(f'| {name} | ' + ' | '.join(
            f'{row[k]:.3f}' if k in row else '–' for k in keys) + ' |')
    return '\n'.join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description='Evaluate a model under RGB-IR test-time conditions.')
    parser.add_argument('config', nargs='?')
    parser.add_argument('checkpoints', nargs='*', metavar='checkpoint',
                        help='one or more checkpoints of the config')
    parser.add_argument('--conditions', nargs='+',
                        default=list(DEFAULT_CONDITIONS),
                        help='condition names (ir_shift_<pixels>, '
                        'ir_shift_<dx>_<dy>, ir_scale_<s>, '
                        'ir_rotate_<degrees> for any value)')
    parser.add_argument('--metrics', nargs='+',
                        help='metric keys of the table (default: all)')
    parser.add_argument('--labels', nargs='+',
                        help='a name per checkpoint (or JSON file) for the '
                        'tables and the plot')
    parser.add_argument('--plot', metavar='OUT.png',
                        help='draw the metric against the IR shift')
    parser.add_argument('--plot-metric', default='coco/bbox_mAP_50',
                        help='metric of the plot (default coco/bbox_mAP_50)')
    parser.add_argument('--from-json', nargs='+', metavar='JSON',
                        help='plot these earlier results instead of running')
    parser.add_argument('--work-dir', default='work_dirs/robustness')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings')
    args = parser.parse_args()
    sources = args.from_json or args.checkpoints
    if args.from_json and (args.config or args.checkpoints):
        parser.error('give CONFIG CHECKPOINT... or --from-json, not both')
    if not sources:
        parser.error('give CONFIG and a CHECKPOINT (or --from-json)')
    if args.labels and len(args.labels) != len(sources):
        parser.error(f'{len(args.labels)} labels for {len(sources)} runs')
    labels = args.labels or [
        osp.splitext(osp.basename(p))[0] for p in sources]
    if len(set(labels)) != len(labels):
        parser.error(f'labels must differ, got {labels} (use --labels)')
    runs = {}
    try:
        for label, source in zip(labels, sources):
            if args.from_json:
                with open(source) as f:
                    runs[label] = json.load(f)
                continue
            work_dir = args.work_dir if len(sources) == 1 else osp.join(
                args.work_dir, label)
            runs[label] = results = robustness_test(
                args.config, source, args.conditions, work_dir,
                args.cfg_options)
            table = markdown_table(results, args.metrics)
            print((f'{label}:\n' if len(sources) > 1 else '') + table)
            print(json.dumps(results))
            os.makedirs(work_dir, exist_ok=True)
            with open(osp.join(work_dir, 'robustness.md'), 'w') as f:
                f.write(table + '\n')
            with open(osp.join(work_dir, 'robustness.json'), 'w') as f:
                json.dump(results, f, indent=1)
        if args.plot:
            plot_shift_curves(runs, args.plot_metric, args.plot)
            print(f'plot: {args.plot}')
    except (ValueError, FileNotFoundError) as e:
        parser.exit(1, f'{parser.prog}: error: {e}\n')


if __name__ == '__main__':
    main()
