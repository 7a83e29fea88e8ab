# Copyright (c) mmunirgbir contributors. All rights reserved.
"""The main job on the embedded default data (``make demo``).

1. Generates the deterministic synthetic RGB-IR detection set (if missing).
2. Trains the demo UniRGB-IR detector on the CPU for a few minutes.
3. Evaluates it (COCO mAP) and writes RGB | IR | predictions images.
"""
import argparse
import os
import os.path as osp
import sys

from mmengine.config import Config
from mmengine.runner import Runner

import mmunirgbir  # noqa: F401
from mmunirgbir.testing import make_synthetic_detection_set

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG = osp.join(
    ROOT, 'configs/demo/'
    'faster-rcnn_unirgbir-vit-tiny_simplefpn_1xb4-12e_synthetic-rgbir.py')


def ensure_data(data_root: str) -> None:
    """Write the demo set (train 128 pairs, val 32 pairs) once."""
    if osp.isfile(osp.join(data_root, 'val.json')):
        return
    print(f'generating the synthetic RGB-IR set in {data_root}')
    make_synthetic_detection_set(data_root, 128, split='train', seed=0)
    make_synthetic_detection_set(data_root, 32, split='val', seed=1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default=osp.join(ROOT, 'work_dirs',
                                                       'demo'))
    parser.add_argument('--epochs', type=int, default=None,
                        help='override the number of training epochs')
    parser.add_argument('--data-only', action='store_true',
                        help='only generate the data set')
    args = parser.parse_args()

    os.chdir(ROOT)  # the config's data_root is relative to the repository
    cfg = Config.fromfile(CONFIG)
    ensure_data(cfg.data_root)
    if args.data_only:
        return 0
    cfg.work_dir = args.work_dir
    if args.epochs is not None:
        cfg.train_cfg.max_epochs = args.epochs
        cfg.train_cfg.val_interval = args.epochs
    runner = Runner.from_cfg(cfg)
    runner.train()

    vis_hook = next(h for h in runner.hooks
                    if type(h).__name__ == 'DetVisualizationHook')
    vis_hook.draw = True
    vis_hook.test_out_dir = 'rgb_ir_predictions'
    metrics = runner.test()
    vis_dir = vis_hook.test_out_dir  # made absolute by the hook
    print('\n' + '=' * 70)
    print('UniRGB-IR demo finished (synthetic RGB-IR scenes, CPU)')
    print(f"  COCO bbox mAP   : {metrics['coco/bbox_mAP']:.3f}")
    print(f"  COCO bbox mAP50 : {metrics['coco/bbox_mAP_50']:.3f}")
    print(f'  checkpoints     : {runner.work_dir}')
    print(f'  RGB | IR | predictions images: {vis_dir}')
    print('=' * 70)
    return 0


if __name__ == '__main__':
    sys.exit(main())
