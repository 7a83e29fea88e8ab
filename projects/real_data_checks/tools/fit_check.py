# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Does a model learn real RGB-IR pairs? Overfit a handful and measure.

Trains the config's detector on a few real pairs from ``../shared/data``
(``msrs_mini`` or ``llvip_mini``; a segmentor on ``mfnet_dev``) on the CPU
and reports the COCO mAP50 (mIoU) on those same training pairs, before and
after training, for every variant:

- ``fused``: RGB + IR (the config's model);
- ``rgb`` / ``ir``: the single-modality baselines of the same model
  (``modality='rgb'`` / ``'ir'``);
- ``vit``: the frozen ViT alone on RGB, the adapter switched off (its
  output is the backbone's at initialisation), as the adapter-free floor.

A healthy detector overfits 8-24 pairs to a training mAP50 of 0.8 and more.
For ``mfnet_dev`` the pairs are drawn from its training split.
Prints a Markdown table and one JSON line, and writes them to the work dir::

    python projects/real_data_checks/tools/fit_check.py \\
        projects/real_data_checks/configs/faster-rcnn_unirgbir-dinov2-s16_simplefpn_1xb2-900i_msrs-mini.py \\
        --data msrs_mini --pairs 16 [--iters 900]
"""
import argparse
import json
import os
import os.path as osp
import sys
import time
from typing import Dict, List, Optional, Sequence

from mmengine.config import Config, DictAction
from mmengine.hooks import Hook
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

import mmunirgbir  # noqa: F401  (registers the RGB-IR modules)
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from real_data import (REAL_DATA, image_folder, real_data_root,  # noqa: E402
                       use_real_data, use_single_camera)

VARIANTS = ('fused', 'rgb', 'ir', 'vit')
#: the metric of each task
METRICS = dict(det='coco/bbox_mAP_50', seg='mIoU')
DATA = tuple(REAL_DATA)


def pick_pairs(data_root: str, rgb_folder: str, num: int,
               split: Optional[str] = None) -> List[str]:
    """``num`` image stems (of the split file ``split`` under
    ``data_root`` if given), day and night alternating where names say so.

    MSRS and MFNet names end in ``D`` (day) or ``N`` (night); taking them
    in turn keeps both in a small subset. Other sets take the first ``num``
    names.
    """
    folder = osp.join(data_root, rgb_folder)
    if not osp.isdir(folder):
        raise FileNotFoundError(f'{folder}: no such image folder (set '
                                'MMUNIRGBIR_SHARED to the shared data)')
    stems = sorted(osp.splitext(n)[0] for n in os.listdir(folder))
    if split:
        with open(osp.join(data_root, split)) as f:
            listed = set(f.read().split())
        stems = [s for s in stems if s in listed]
    if num > len(stems):
        raise ValueError(f'--pairs {num}: {folder} has only {len(stems)} '
                         'images')
    day = [s for s in stems if s.endswith('D')]
    night = [s for s in stems if s.endswith('N')]
    if day and night and len(day) + len(night) == len(stems):
        mixed = [s for pair in zip(day, night) for s in pair]
        stems = mixed + sorted(set(stems) - set(mixed))
    return sorted(stems[:num])


def variant_config(config: str, variant: str, data: str, pairs: int,
                   iters: Optional[int], work_dir: str,
                   cfg_options: Optional[dict] = None) -> Config:
    """The config of one fit-check run (``iters`` None: the config's)."""
    if variant not in VARIANTS:
        raise ValueError(f'unknown variant {variant!r}; use {VARIANTS}')
    if data not in DATA:
        raise ValueError(f'unknown data {data!r}; use {DATA}')
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    iters = iters or cfg.train_cfg.get('max_iters')
    if not iters or iters < 1 or pairs < 1:
        raise ValueError('--iters and --pairs must be positive (or the '
                         'config an IterBasedTrainLoop with max_iters)')
    data_root = real_data_root(data)
    os.makedirs(work_dir, exist_ok=True)
    split = osp.abspath(osp.join(work_dir, f'{data}_{pairs}.txt'))
    with open(split, 'w') as f:
        f.write('\n'.join(
            pick_pairs(data_root, image_folder(data), pairs,
                       'train.txt' if task(data) == 'seg' else None)))
    # the training pairs are also the evaluation pairs: a fit check
    use_real_data(cfg, data, split, split)
    if variant in ('rgb', 'ir'):
        use_single_camera(cfg, variant)
    else:
        cfg.model.backbone.modality = dict(fused='rgbir', vit='rgb')[variant]
    cfg.train_cfg = dict(
        type='IterBasedTrainLoop', max_iters=iters, val_interval=iters)
    # an endless sampler: with DefaultSampler a handful of pairs is an epoch
    # every few iterations, and mmengine's iteration loop sleeps 2 s at
    # every epoch turn (a third of the run time with 4 pairs at batch 2)
    cfg.train_dataloader.sampler = dict(type='InfiniteSampler', shuffle=True)
    cfg.default_hooks.checkpoint = None
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=20)
    cfg.log_processor = dict(by_epoch=False)
    cfg.visualizer.vis_backends = [dict(type='LocalVisBackend')]
    cfg.work_dir = osp.join(work_dir, variant)
    cfg.randomness = dict(seed=0)
    return cfg


def task(data: str) -> str:
    """'det' or 'seg': what the shared set ``data`` is labelled for."""
    return REAL_DATA[data].get('task', 'det')


class EvaluateBeforeTraining(Hook):
    """Validate once before the first iteration; keep every validation's
    metrics (the first is the untrained model, the last the trained one)."""

    def __init__(self) -> None:
        self.metrics: List[Dict[str, float]] = []

    def before_train(self, runner) -> None:
        runner.val_loop.run()

    def after_val_epoch(self, runner, metrics=None) -> None:
        self.metrics.append(metrics)


def switch_adapter_off(runner: Runner) -> None:
    """The frozen ViT alone: the backbone's output at initialisation."""
    backbone = runner.model.backbone
    backbone.forward = backbone.forward_foundation
    backbone.requires_grad_(False)


def run_variant(cfg: Config, variant: str, metric: str) -> dict:
    """Train one variant; return its ``metric`` before and after training
    and the time."""
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    runner = Runner.from_cfg(cfg)
    if variant == 'vit':
        switch_adapter_off(runner)
    evaluations = EvaluateBeforeTraining()
    runner.register_hook(evaluations, priority='LOWEST')
    start = time.perf_counter()
    runner.train()
    seconds = time.perf_counter() - start
    before, after = evaluations.metrics[0], evaluations.metrics[-1]
    return dict(
        variant=variant,
        metric=metric,
        before=round(float(before[metric]), 3),
        after=round(float(after[metric]), 3),
        minutes=round(seconds / 60, 1))


def fit_check(config: str,
              data: str = 'msrs_mini',
              pairs: int = 16,
              iters: Optional[int] = None,
              variants: Sequence[str] = VARIANTS,
              work_dir: str = 'work_dirs/fit_check',
              cfg_options: Optional[dict] = None) -> List[dict]:
    """Run the fit check of ``variants``; return one result row each."""
    rows = []
    for variant in variants:
        cfg = variant_config(config, variant, data, pairs, iters, work_dir,
                             cfg_options)
        rows.append(dict(run_variant(cfg, variant, METRICS[task(data)]),
                         data=data, pairs=pairs,
                         iters=cfg.train_cfg.max_iters))
    return rows


def markdown_table(rows: List[dict]) -> str:
    """The rows as a Markdown table."""
    lines = [
        '| variant | data | pairs | iters | train metric | before | after '
        '| minutes |', '|---|---|---|---|---|---|---|---|'
    ]
    for r in rows:
        lines.append(f"| {r['variant']} | {r['data']} | {r['pairs']} | "
                     f"{r['iters']} | {r['metric']} | {r['before']:.3f} | "
                     f"{r['after']:.3f} | {r['minutes']} |")
    return '\n'.join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description='Overfit a few real RGB-IR pairs; report the training '
        'metric (detection: mAP50, segmentation: mIoU).')
    parser.add_argument('config', help='detection or segmentation config')
    parser.add_argument('--data', choices=DATA, default='msrs_mini')
    parser.add_argument('--pairs', type=int, default=16,
                        help='training pairs (default 16)')
    parser.add_argument('--iters', type=int,
                        help="training iterations (default: the config's)")
    parser.add_argument('--variants', nargs='+', choices=VARIANTS,
                        default=list(VARIANTS))
    parser.add_argument('--work-dir', default='work_dirs/fit_check')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings')
    args = parser.parse_args()
    rows = fit_check(args.config, args.data, args.pairs, args.iters,
                     args.variants, args.work_dir, args.cfg_options)
    table = markdown_table(rows)
    print(table)
    print(json.dumps(rows))
    with open(osp.join(args.work_dir, 'fit_check.md'), 'w') as f:
        f.write(table + '\n')
    with open(osp.join(args.work_dir, 'fit_check.json'), 'w') as f:
        json.dump(rows, f, indent=1)


if __name__ == '__main__':
    main()
