# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Evaluate a trained mmunirgbir model (MMEngine Runner)."""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

import mmunirgbir  # noqa: F401  (registers modules, safe checkpoint loading)
from mmunirgbir.utils import setup_cpu_distributed


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
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
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
        evaluators = cfg.test_evaluator if isinstance(
            cfg.test_evaluator, list) else [cfg.test_evaluator]
        savers = [e for e in evaluators
                  if e['type'] in ('IoUMetric', 'SaliencyMetric')]
        if not savers:
            raise RuntimeError('--pred-dir needs an IoUMetric or '
                               'SaliencyMetric test evaluator')
        for evaluator in savers:
            evaluator['output_dir'] = args.pred_dir
    setup_cpu_distributed(cfg, args.launcher)
    runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else \
        RUNNERS.build(cfg)
    runner.test()


if __name__ == '__main__':
    main()
