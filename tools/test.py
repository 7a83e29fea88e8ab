# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Evaluate a trained mmunirgbir model (MMEngine Runner)."""
import argparse

import mmunirgbir  # noqa: F401  (registers modules, safe checkpoint loading)
from mmunirgbir.utils import (add_runner_arguments, enable_evaluator_output,
                              parse_runner_args, prepare_config,
                              runner_from_cfg)


def parse_args():
    parser = argparse.ArgumentParser(description='Test (and evaluate) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--show-dir',
        help='save visualisations of the predictions to this folder (under '
        'the work dir)')
    parser.add_argument(
        '--pred-dir',
        help='segmentation / SOD: also save the predictions as PNGs at the '
        'original resolution (label maps, or grey saliency maps) here')
    add_runner_arguments(parser)
    return parse_runner_args(parser)


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
