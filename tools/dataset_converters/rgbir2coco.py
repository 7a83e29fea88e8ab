# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Convert the RGB-IR detection set of a config into a COCO json.

Any dataset class of mmunirgbir (LLVIP / M3FD VOC, KAIST bbGt, paired YOLO,
...) is read in its native layout through the config and written as one COCO
json whose image entries carry ``file_name`` (RGB) and ``file_name_lwir``
(IR), both relative to ``--root`` -- the FLIR-aligned convention that
``RGBIRCocoDataset`` and ``CocoMetric(ann_file=...)`` read.

    python tools/dataset_converters/rgbir2coco.py CONFIG --split val \
        --root data/LLVIP --out data/LLVIP/test.json
"""
import argparse
import json
import os.path as osp

from mmengine.config import DictAction
from mmengine.registry import DATASETS

import mmunirgbir  # noqa: F401
from mmunirgbir.datasets.coco_export import rgbir_coco_dict
from mmunirgbir.utils import load_config


def convert(dataset, root: str) -> dict:
    """Build the COCO dict of an mmdet-style RGB-IR dataset."""
    images, instances = [], []
    for idx in range(len(dataset)):
        info = dataset.get_data_info(idx)
        image = dict(
            file_name=osp.relpath(info['img_path'], root),
            file_name_lwir=osp.relpath(info['ir_path'], root),
            width=info['width'],
            height=info['height'])
        if 'illumination' in info:
            image['illumination'] = info['illumination']
        images.append(image)
        instances.append(info['instances'])
    return rgbir_coco_dict(images, instances, dataset.metainfo['classes'])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('--split', choices=['train', 'val', 'test'],
                        default='val')
    parser.add_argument('--root', required=True,
                        help='folder the file names are made relative to')
    parser.add_argument('--out', required=True, help='output json')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args()
    cfg = load_config(args.config, args.cfg_options)
    ds_cfg = cfg[f'{args.split}_dataloader'].dataset
    ds_cfg.pipeline = []
    dataset = DATASETS.build(ds_cfg)
    coco = convert(dataset, args.root)
    with open(args.out, 'w') as f:
        json.dump(coco, f)
    print(f'wrote {len(coco["images"])} images and '
          f'{len(coco["annotations"])} boxes to {args.out}')


if __name__ == '__main__':
    main()
