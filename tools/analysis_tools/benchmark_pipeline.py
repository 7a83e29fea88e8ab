# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Throughput of the paired RGB-IR train pipeline vs the stock RGB one.

Both pipelines are the reference LSJ train pipeline of
``configs/_base_/datasets/rgbir_det_lsj-1024.py``; the stock one loads only
the RGB image with ``LoadImageFromFile``. They run side by side, in the same
process, on the same 640x512 pairs (generated deterministically, or a folder
of yours), alternating rounds so that both see the same machine state.
Prints a table and, last, one JSON line with the ratio (target <= 2.0).

    python tools/analysis_tools/benchmark_pipeline.py [--num-images 32]
"""
import argparse
import json
import os.path as osp
import statistics
import tempfile
import time

from mmcv.transforms import Compose
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mmunirgbir
from mmunirgbir.testing import make_synthetic_detection_set

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PIPELINE_CFG = osp.join(ROOT, 'configs/_base_/datasets/rgbir_det_lsj-1024.py')


def build_pipelines():
    paired = Config.fromfile(PIPELINE_CFG).train_pipeline
    stock = [dict(t) for t in paired]
    assert stock[0]['type'] == 'LoadRGBIRImagePair'
    stock[0] = dict(type='LoadImageFromFile')
    return Compose(paired), Compose(stock)


def samples(root: str, num: int):
    info = make_synthetic_detection_set(
        root, num, size=(512, 640), split='bench', seed=0)
    ann = json.load(open(info['ann_file']))
    per_image = {im['id']: [] for im in ann['images']}
    for a in ann['annotations']:
        x, y, w, h = a['bbox']
        per_image[a['image_id']].append(
            dict(bbox=[x, y, x + w, y + h], bbox_label=a['category_id'] - 1,
                 ignore_flag=0))
    return [
        dict(img_path=osp.join(info['img_prefix'], im['file_name']),
             ir_path=osp.join(info['img_prefix'], im['file_name_lwir']),
             img_id=im['id'], instances=per_image[im['id']])
        for im in ann['images']
    ]


def run_once(pipeline, items) -> float:
    start = time.perf_counter()
    for item in items:
        pipeline(dict(item))
    return (time.perf_counter() - start) / len(items)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--num-images', type=int, default=32)
    parser.add_argument('--rounds', type=int, default=5)
    args = parser.parse_args()
    init_default_scope('mmdet')
    paired, stock = build_pipelines()
    with tempfile.TemporaryDirectory() as tmp:
        items = samples(tmp, args.num_images)
        run_once(paired, items[:4])  # warm-up
        run_once(stock, items[:4])
        times = {'rgb': [], 'rgbir': []}
        for _ in range(args.rounds):
            times['rgb'].append(run_once(stock, items))
            times['rgbir'].append(run_once(paired, items))
    med = {k: statistics.median(v) for k, v in times.items()}
    ratio = med['rgbir'] / med['rgb']
    print(f'{"pipeline":<34}{"ms / image":>12}{"images / s":>12}')
    for key, name in (('rgb', 'stock RGB (LoadImageFromFile)'),
                      ('rgbir', 'paired RGB-IR (LoadRGBIRImagePair)')):
        print(f'{name:<34}{1e3 * med[key]:>12.2f}{1 / med[key]:>12.1f}')
    print(f'ratio paired / stock: {ratio:.2f} (target <= 2.0)')
    print(json.dumps(dict(
        benchmark='pipeline', size='640x512', images=args.num_images,
        rounds=args.rounds, rgb_ms=round(1e3 * med['rgb'], 3),
        rgbir_ms=round(1e3 * med['rgbir'], 3), ratio=round(ratio, 3),
        mmunirgbir=mmunirgbir.__version__)))


if __name__ == '__main__':
    main()
