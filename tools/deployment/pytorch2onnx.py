# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Export a trained UniRGB-IR model to a two-input (RGB, IR) ONNX file.

    python tools/deployment/pytorch2onnx.py CONFIG CHECKPOINT --out model.onnx \
        [--shape H W] [--dynamic] [--opset 18] [--channel-order rgb|bgr] \
        [--input-dtype uint8|float32] [--backbone-only] [--rgb A --ir B]

The graph takes ``rgb`` (B, 3, H, W) and ``ir`` (B, 1 or 3, H, W) raw pixels
(0-255) and does the normalisation, channel order and 6-channel packing
itself. Segmentation and SOD models and detectors export end to end:
RetinaNet, Faster R-CNN and Cascade R-CNN output ``boxes``, ``scores``,
``labels`` and ``batch_index`` for any batch (RPN proposals, ONNX
``RoiAlign``, the box heads and ONNX ``NonMaxSuppression`` in the graph). A
model whose head has no end-to-end export stops with an error naming it;
``--backbone-only`` exports the backbone and neck of any model. The
deformable sampling exports as GridSample: no custom op at run time.

The export checks itself: ONNX Runtime runs the file on the example pair
(--rgb/--ir, resized to --shape; random pixels without them) and, with
--dynamic, on noise at a second size; the largest difference to PyTorch is
printed, and a file that fails (or differs by more than 1e-2) is removed.
Needs the deploy extras (``pip install -r requirements/deploy.txt``).
"""
import argparse
import json
import os
import os.path as osp
import sys

import cv2
import numpy as np
import torch

from mmunirgbir.apis import UniRGBIRInferencer
from mmunirgbir.deployment import (build_exportable, config_test_resize,
                                   export_onnx, max_difference,
                                   onnxruntime_session, run_onnxruntime,
                                   unmatched_detections)

#: a larger difference to PyTorch means a wrong graph, not float rounding
FAIL_ABOVE = 1e-2
#: detections compared between PyTorch and ONNX Runtime: those above it
DET_SCORE_THR = 0.3


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--out', required=True, help='output .onnx file')
    parser.add_argument('--shape', type=int, nargs=2, metavar=('H', 'W'),
                        help='input height and width (default: the test '
                        "pipeline's Resize scale)")
    parser.add_argument('--dynamic', action='store_true',
                        help='free input height and width')
    parser.add_argument('--opset', type=int, default=18)
    parser.add_argument('--channel-order', choices=('rgb', 'bgr'),
                        default='rgb',
                        help='channel order of the rgb input (default rgb)')
    parser.add_argument('--input-dtype', choices=('uint8', 'float32'),
                        default='uint8')
    parser.add_argument('--backbone-only', action='store_true',
                        help='export the backbone (and neck) only')
    parser.add_argument('--rgb', help='example RGB image for the check')
    parser.add_argument('--ir', help='example IR image for the check')
    return parser.parse_args()


def example_inputs(args, shape, channel_order, dtype):
    """(rgb, ir) tensors of the graph's layout: a given pair or noise."""
    h, w = shape
    if args.rgb and args.ir:
        rgb = cv2.imread(args.rgb, cv2.IMREAD_COLOR)
        ir = cv2.imread(args.ir, cv2.IMREAD_GRAYSCALE)
        for img, path in ((rgb, args.rgb), (ir, args.ir)):
            if img is None:
                raise OSError(f'cannot read image {path}')
        rgb = cv2.resize(rgb, (w, h), interpolation=cv2.INTER_LINEAR)
        ir = cv2.resize(ir, (w, h), interpolation=cv2.INTER_LINEAR)
        if channel_order == 'rgb':
            rgb = rgb[..., ::-1]
        rgb = torch.from_numpy(np.ascontiguousarray(
            rgb.transpose(2, 0, 1)))[None]
        ir = torch.from_numpy(ir)[None, None]
    else:
        g = torch.Generator().manual_seed(0)
        rgb = torch.randint(0, 256, (1, 3, h, w), generator=g)
        ir = torch.randint(0, 256, (1, 1, h, w), generator=g)
    return rgb.to(getattr(torch, dtype)), ir.to(getattr(torch, dtype))


def main() -> None:
    args = parse_args()
    if bool(args.rgb) != bool(args.ir):
        sys.exit('pytorch2onnx.py: error: give --rgb and --ir together')
    inferencer = UniRGBIRInferencer(args.config, args.checkpoint)
    model = inferencer.model.cpu().eval()
    try:
        exportable = build_exportable(model, args.channel_order,
                                      args.backbone_only)
    except TypeError as e:
        sys.exit(f'pytorch2onnx.py: error: {args.config}: {e}')
    resize = config_test_resize(inferencer.cfg)
    shape = args.shape or (resize['scale'][::-1] if resize else None)
    if shape is None:
        sys.exit('pytorch2onnx.py: error: the test pipeline has no Resize; '
                 'give --shape H W')
    print(f'exported: {exportable.exported}')
    rgb, ir = example_inputs(args, shape, args.channel_order,
                             args.input_dtype)
    meta = exportable.metadata()
    meta.update(
        classes=json.dumps(list(inferencer.dataset_meta.get('classes', ()))),
        palette=json.dumps(
            [list(map(int, c))
             for c in inferencer.dataset_meta.get('palette', ()) or ()]),
        channel_order=args.channel_order,
        input_dtype=args.input_dtype,
        input_shape=f'{shape[0]},{shape[1]}',
        dynamic=str(bool(args.dynamic)),
        resize=json.dumps(resize),
        exported=exportable.exported,
        config=osp.basename(args.config))
    export_onnx(exportable, (rgb, ir), args.out, dynamic=args.dynamic,
                opset=args.opset, metadata=meta)
    print(f'wrote {args.out}: inputs rgb {tuple(rgb.shape)} and ir '
          f'{tuple(ir.shape)} {args.input_dtype}'
          f'{" (height and width free)" if args.dynamic else ""}; outputs '
          f'{", ".join(n for n in exportable.output_names) or "features"}')
    checks = [('the example', rgb, ir)]
    if args.dynamic:  # another size (not a patch multiple), 3-channel IR
        g = torch.Generator().manual_seed(1)
        size = (shape[0] + 24, shape[1] + 40)
        checks.append((f'noise at {size[0]}x{size[1]}',
                       torch.randint(0, 256, (1, 3, *size),
                                     generator=g).to(rgb.dtype),
                       torch.randint(0, 256, (1, 3, *size),
                                     generator=g).to(rgb.dtype)))
    session = onnxruntime_session(args.out)
    for what, a, b in checks:
        with torch.no_grad():
            expected = exportable(a, b)
        try:
            got = run_onnxruntime(session, a.numpy(), b.numpy())
        except Exception as e:  # noqa: BLE001  (ONNX Runtime's own errors)
            os.remove(args.out)
            sys.exit(f'pytorch2onnx.py: error: ONNX Runtime cannot run the '
                     f'export on {what} ({e}); {args.out} was removed')
        if exportable.task == 'det':
            missing, compared = unmatched_detections(expected, got,
                                                     DET_SCORE_THR)
            print(f'ONNX Runtime vs PyTorch on {what}: {missing} of '
                  f'{compared} detections above {DET_SCORE_THR} without a '
                  'partner (same image and label, IoU > 0.99, score within '
                  '1e-3)')
            if missing:
                os.remove(args.out)
                sys.exit(f'pytorch2onnx.py: error: the export is wrong on '
                         f'{what} ({missing} detections differ); {args.out} '
                         'was removed')
            continue
        try:
            diff = max_difference(expected, got)
            text = f'{diff:.3g}'
        except RuntimeError as e:
            diff, text = None, f'outputs differ: {e}'
        print(f'ONNX Runtime vs PyTorch on {what}: largest difference {text}')
        if diff is not None and diff > FAIL_ABOVE:
            os.remove(args.out)
            sys.exit(f'pytorch2onnx.py: error: the export is wrong on {what} '
                     f'(largest difference {text} > {FAIL_ABOVE}); '
                     f'{args.out} was removed')


if __name__ == '__main__':
    main()
