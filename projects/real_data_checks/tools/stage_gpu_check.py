# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Stage what ``tools/gpu_check.sh`` needs from ``../shared`` for a GPU
machine that carries at most 64 MiB a call: msrs_dev at 320x240 (the lab
recipe's input size; YOLO labels are relative, so they stay as they are)
and the DINOv2 weights in fp16, in ``../shared``'s layout::

    python projects/real_data_checks/tools/stage_gpu_check.py --out .gpu_stage
    # call 1 carries .gpu_stage/data (and the wheels), call 2
    # .gpu_stage/weights; then: bash tools/gpu_check.sh --data-root .gpu_stage

Prints the size of each part in MiB.
"""
import argparse
import os
import os.path as osp
import shutil
import sys

import cv2
import torch

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from real_data import shared_root  # noqa: E402

WEIGHTS = 'weights/dinov2_vits14_imgfocus.pth'
SIZE = (320, 240)  # width, height


def _mib(path: str) -> float:
    if osp.isfile(path):
        return osp.getsize(path) / 2**20
    return sum(
        osp.getsize(osp.join(d, f)) for d, _, files in os.walk(path)
        for f in files) / 2**20


def stage_msrs_dev(shared: str, out: str) -> str:
    """msrs_dev with every image resized to 320x240 (area), PNG."""
    src, dst = osp.join(shared, 'data', 'msrs_dev'), osp.join(
        out, 'data', 'msrs_dev')
    for name in sorted(os.listdir(src)):
        path = osp.join(src, name)
        if osp.isfile(path):
            os.makedirs(dst, exist_ok=True)
            shutil.copy(path, dst)
        elif name in ('vi', 'ir'):
            os.makedirs(osp.join(dst, name), exist_ok=True)
            for image in sorted(os.listdir(path)):
                img = cv2.imread(osp.join(path, image), cv2.IMREAD_UNCHANGED)
                if img is None:
                    raise ValueError(f'{osp.join(path, image)}: not an image')
                small = cv2.resize(img, SIZE, interpolation=cv2.INTER_AREA)
                cv2.imwrite(osp.join(dst, name, image), small)
        else:
            shutil.copytree(path, osp.join(dst, name), dirs_exist_ok=True)
    return dst


def stage_weights(shared: str, out: str) -> str:
    """The foundation's floating-point tensors in fp16."""
    state = torch.load(osp.join(shared, WEIGHTS), map_location='cpu',
                       weights_only=True)
    half = {k: v.half() if v.is_floating_point() else v
            for k, v in state.items()}
    dst = osp.join(out, WEIGHTS)
    os.makedirs(osp.dirname(dst), exist_ok=True)
    torch.save(half, dst)
    return dst


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', default='.gpu_stage')
    args = parser.parse_args(argv)
    shared = shared_root()
    for part in (stage_msrs_dev(shared, args.out),
                 stage_weights(shared, args.out)):
        print(f'{part}: {_mib(part):.1f} MiB')


if __name__ == '__main__':
    main()
