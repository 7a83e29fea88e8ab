# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Show what the model sees: both modalities of augmented samples.

For the first N samples of a config's data set, after its (training)
pipeline, writes ``OUT/NAME.png`` with three panels: RGB with the
annotations, IR with the annotations, and the RGB/IR blend.

    python tools/analysis_tools/browse_dataset.py CONFIG --out-dir OUT \
        [--split train|val|test] [--num 10]
"""
import argparse
import os
import os.path as osp

import mmcv
import numpy as np
from mmengine.config import DictAction
from mmengine.registry import DATASETS, VISUALIZERS

import mmunirgbir  # noqa: F401
from mmunirgbir.utils import load_config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--split', choices=['train', 'val', 'test'],
                        default='train')
    parser.add_argument('--num', type=int, default=10)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args()
    cfg = load_config(args.config, args.cfg_options)
    scope = cfg.get('default_scope', 'mmdet')
    dataset = DATASETS.build(cfg[f'{args.split}_dataloader'].dataset)
    visualizer = VISUALIZERS.build(
        dict(type='RGBIRDetLocalVisualizer' if scope == 'mmdet' else
             'RGBIRSegLocalVisualizer', name='browse_dataset'))
    visualizer.dataset_meta = dataset.metainfo
    os.makedirs(args.out_dir, exist_ok=True)
    for i in range(min(args.num, len(dataset))):
        item = dataset[i]
        img = item['inputs'].numpy().transpose(1, 2, 0)  # H, W, 6 (BGR, IR)
        if img.shape[2] != 6:
            raise ValueError(f'sample {i} has {img.shape[2]} channels, '
                             'not an RGB-IR pair')
        rgb = np.ascontiguousarray(img[..., 2::-1])
        ir = np.ascontiguousarray(img[..., 5:2:-1])
        sample = item['data_samples']
        left, _, blend = visualizer.draw_rgbir(rgb, ir, sample)
        ir_gt = visualizer.draw_rgbir(ir, ir, sample)[0]
        name = osp.splitext(osp.basename(sample.img_path))[0]
        mmcv.imwrite(
            np.concatenate([left, ir_gt, blend], axis=1)[..., ::-1],
            osp.join(args.out_dir, f'{i:04d}_{name}.png'))
    print(f'wrote {min(args.num, len(dataset))} samples to {args.out_dir}')


if __name__ == '__main__':
    main()
