# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Train an mmunirgbir detector or segmentor from a config (MMEngine Runner).

Works for mmdet and mmseg configs alike; ``mim train mmdet|mmseg CONFIG``
runs the host package's own train.py with the same effect.
"""
import argparse

import mmunirgbir  # noqa: F401  (registers modules, safe checkpoint loading)
from mmunirgbir.utils import (add_runner_arguments,
                              latest_readable_checkpoint, parse_runner_args,
                              prepare_config, runner_from_cfg)


def parse_args():
    parser = argparse.ArgumentParser(description='Train a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--amp', action='store_true', help='enable automatic mixed precision')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the lr by (GPUs x batch size) / base_batch_size')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from this checkpoint, or (no value) from the latest '
        'checkpoint in the work dir')
    add_runner_arguments(parser)
    return parse_runner_args(parser)


def main():
    args = parse_args()
    cfg = prepare_config(args.config, args.launcher, args.work_dir,
                         args.cfg_options)
    if args.amp:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.auto_scale_lr:
        if 'auto_scale_lr' not in cfg or \
                'base_batch_size' not in cfg.auto_scale_lr:
            raise RuntimeError('--auto-scale-lr needs auto_scale_lr.'
                               'base_batch_size in the config')
        cfg.auto_scale_lr.enable = True
    if args.resume == 'auto':
        # the newest checkpoint that reads (a run killed while saving
        # leaves a truncated last one); None: mmengine starts afresh
        cfg.resume = True
        cfg.load_from = latest_readable_checkpoint(cfg.work_dir)
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    runner_from_cfg(cfg, args.launcher).train()


if __name__ == '__main__':
    main()
