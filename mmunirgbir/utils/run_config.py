# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Config and runner set-up shared by the command-line tools."""
import argparse
import os
import os.path as osp
from typing import Optional, Sequence

from mmengine.config import Config, DictAction
from mmengine.registry import RUNNERS, init_default_scope
from mmengine.runner import Runner

from .distributed import setup_cpu_distributed


def add_runner_arguments(parser: argparse.ArgumentParser) -> None:
    """``--work-dir``, ``--cfg-options``, ``--launcher``, ``--local-rank``."""
    parser.add_argument('--work-dir', help='the dir for logs and outputs')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. train_cfg.max_epochs=1')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def parse_runner_args(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """Parse, exporting ``LOCAL_RANK`` for launchers that only pass it as an
    argument."""
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def load_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """Read a config, apply ``--cfg-options`` and enter its default scope."""
    cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    return cfg


def prepare_config(config: str,
                   launcher: str = 'none',
                   work_dir: Optional[str] = None,
                   cfg_options: Optional[dict] = None) -> Config:
    """The config of a train / test command: overrides, launcher, work dir.

    The work dir defaults to the config's own or ``./work_dirs/<name>``.
    """
    cfg = load_config(config, cfg_options)
    cfg.launcher = launcher
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(config))[0])
    return cfg


def runner_from_cfg(cfg: Config, launcher: str = 'none') -> Runner:
    """``Runner.from_cfg`` (or the config's runner type), CPU DDP ready."""
    setup_cpu_distributed(cfg, launcher)
    if 'runner_type' in cfg:
        return RUNNERS.build(cfg)
    return Runner.from_cfg(cfg)


def enable_evaluator_output(cfg: Config, output_dir: str,
                            types: Sequence[str]) -> None:
    """Point the test evaluators of ``types`` at ``output_dir``."""
    evaluators = cfg.test_evaluator if isinstance(cfg.test_evaluator,
                                                  list) else [
                                                      cfg.test_evaluator]
    savers = [e for e in evaluators if e['type'] in types]
    if not savers:
        raise RuntimeError(f'no {" / ".join(types)} test evaluator in the '
                           'config to write predictions')
    for evaluator in savers:
        evaluator['output_dir'] = output_dir
