# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Which of the mmcv ops that this project's models use have CPU and CUDA
kernels in the installed mmcv? Runs without a GPU.

mmcv registers each op's kernels per device in its compiled extension
(``mmcv._ext``): a kernel that was built is a symbol of that library. The
report reads the library's symbols, so it tells what a build holds on any
machine, also a CUDA build on one without a GPU::

    python tools/misc/mmcv_ops_report.py [--ext PATH] [--require-cuda]

Prints a Markdown table and, last, one JSON line. ``--require-cuda`` exits 1
when an op lacks its CUDA kernel.
"""
import argparse
import json
import os.path as osp
import sys
from typing import Dict, Optional

#: op -> its kernels' symbols (None: mmcv has no kernel for that device,
#: and the caller computes it in PyTorch) and what uses it
OPS = {
    'RoIAlign': dict(cpu='roi_align_forward_cpu',
                     cuda='roi_align_forward_cuda',
                     used_by='Faster / Cascade R-CNN RoI heads'),
    'nms': dict(cpu='nms_cpu', cuda='nms_cuda',
                used_by='every detector (RPN and results)'),
    'MultiScaleDeformableAttnFunction': dict(
        cpu=None, cuda='ms_deform_attn_cuda_forward',
        used_by='the injectors on the GPU (the CPU uses the package\'s '
        'PyTorch sampling)'),
    'sigmoid_focal_loss': dict(
        cpu=None, cuda='sigmoid_focal_loss_forward_cuda',
        used_by='RetinaNet\'s FocalLoss on the GPU (mmdet computes it in '
        'PyTorch on the CPU)'),
}


def extension_path() -> str:
    """The installed mmcv's compiled extension (``mmcv._ext``)."""
    import importlib.util
    spec = importlib.util.find_spec('mmcv._ext')
    if spec is None or not spec.origin:
        raise FileNotFoundError(
            'mmcv has no compiled extension (mmcv._ext): install mmcv with '
            'its ops (make install)')
    return spec.origin


def kernels(ext: str) -> Dict[str, Dict[str, Optional[bool]]]:
    """For each op of :data:`OPS`, whether ``ext`` holds its CPU and CUDA
    kernels (None where mmcv has no kernel for the device)."""
    if not osp.isfile(ext):
        raise FileNotFoundError(f'{ext}: no such file')
    with open(ext, 'rb') as f:
        data = f.read()
    return {
        op: {
            device: None if spec[device] is None else
            spec[device].encode() in data
            for device in ('cpu', 'cuda')
        }
        for op, spec in OPS.items()
    }


def markdown_table(found: Dict[str, Dict[str, Optional[bool]]]) -> str:
    def cell(value):
        return 'n/a (PyTorch)' if value is None else (
            'yes' if value else '**no**')

    lines = ['| op | CPU kernel | CUDA kernel | used by |', '|---|---|---|---|']
    for op, devices in found.items():
        lines.append(f'| {op} | {cell(devices["cpu"])} | '
                     f'{cell(devices["cuda"])} | {OPS[op]["used_by"]} |')
    return '\n'.join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--ext', help='the compiled extension to read '
                        '(default: the installed mmcv._ext)')
    parser.add_argument('--require-cuda', action='store_true',
                        help='exit 1 if an op lacks its CUDA kernel')
    args = parser.parse_args(argv)
    try:
        ext = args.ext or extension_path()
        found = kernels(ext)
    except FileNotFoundError as e:
        parser.exit(1, f'{parser.prog}: error: {e}\n')
    print(f'mmcv extension: {ext}')
    print(markdown_table(found))
    missing = [op for op, d in found.items() if d['cuda'] is False]
    print(json.dumps(dict(extension=ext, kernels=found,
                          missing_cuda=missing)))
    if args.require_cuda and missing:
        print(f'no CUDA kernel for: {", ".join(missing)}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
