# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Evaluate a trained mmunirgbir model (MMEngine Runner)."""
import argparse
import os

from mmengine.config import DictAction

import mmunirgbir  # noqa: F401  (registers modules, safe checkpoint loading)
from mmunirgbir.utils import (enable_evaluator_output, prepare_config,
                              runner_from_cfg)


def parse_args():
    parser = argparse.ArgumentParser(description='Test (and evaluate) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the dir to save logs and metrics')
    parser.add_argument(
        '--show-dir',
        help='save visualisations of the predictions to this folder (under '
        'the work dir)')
    parser.add_argument(
        '--pred-dir',
        help='segmentation / SOD: also save the predictions as PNGs at the '
        'original resolution (label maps, or grey saliency maps) here')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def main():
    args = parse_args()
    cfg = prepare_config(args.config, args.launcher, args.work_dir,
                         args.cfg_options)
    cfg.load_from = args.checkpoint
    if args.show_dir:
        vis = cfg.default_hooks.get('visualization')
        if vis is None:
            raise RuntimeError('the config has no visualization hook')
        vis['draw'] = True
        if cfg.get('default_scope') == 'mmseg':  # mmseg's hook has no dir
            cfg.visualizer['save_dir'] = args.show_dir
        else:
            vis['test_out_dir'] = args.show_dir
    if args.pred_dir:
        enable_evaluator_output(cfg, args.pred_dir,
                                ('IoUMetric', 'SaliencyMetric'))
    runner_from_cfg(cfg, args.launcher).test()


if __name__ == '__main__':
    main()
