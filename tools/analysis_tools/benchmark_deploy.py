# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Speed of the exported backbone: PyTorch eager vs ONNX Runtime vs OpenVINO.

The reference UniRGB-IR ViT-B/16 backbone (random weights, ``gamma`` 0.1 so
that the adapter's path is not folded away), with the raw-pixel input graph
of the export, 640x512 (H=512, W=640), batch 1, fp32, on this machine's CPU.
It is exported once (static size, opset 18); then the three run in one
process, alternating, medians of ``--runs`` after 2 warm-ups each. All fp32
(OpenVINO told so: ``INFERENCE_PRECISION_HINT`` f32), plus
``openvino_native``: OpenVINO's own precision choice, bf16 on CPUs with
AVX512-BF16 or AMX, which is not fp32 and is reported with its error;
``openvino_bf16`` (told bf16), ``openvino_int8`` (NNCF post-training INT8,
calibrated on the timed input: its speed; ``quantize.py`` measures the
accuracy it costs on real pairs) and ``openvino_int8_bf16`` (its other
operations in bf16); ``openvino_bf16_static`` and
``openvino_int8_bf16_static`` are the same with the batch fixed too
(``PerShapeCompiledModel``: every input shape static).
Printed last, one JSON line: seconds per image of each, ``*_over_pytorch``
ratios (target: <= 0.8 in at least one runtime) and the largest output
difference of each runtime to PyTorch (features of magnitude about 1).

    python tools/analysis_tools/benchmark_deploy.py [--runs 10]
"""
import argparse
import json
import os.path as osp
import statistics
import sys
import tempfile
import time
import warnings
from typing import Any, Callable, Dict, List, Tuple

import numpy as np
import torch

# the OpenVINO helpers of tools/deployment (imported where they are used)
sys.path.insert(0, osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))),
                            'deployment'))


def times_in_turn(runners: Dict[str, Callable[[], Any]],
                  runs: int,
                  warmups: int = 2
                  ) -> Tuple[Dict[str, Any], Dict[str, List[float]]]:
    """Seconds of each of ``runners`` (name -> function of no arguments),
    ``runs`` times, one call of each in turn, so that a slower or faster
    spell of the machine falls on all of them, after ``warmups`` calls of
    each.

    Returns:
        tuple[dict, dict[str, list[float]]]: Each runner's output of its
        last warm-up, and its times in seconds.
    """
    outputs = {}
    for name, fn in runners.items():
        for _ in range(warmups):
            outputs[name] = fn()
    times = {name: [] for name in runners}
    for _ in range(runs):
        for name, fn in runners.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return outputs, times


class _Backbone(torch.nn.Module):
    output_names = ('features', )

    def __init__(self, size_overrides: dict) -> None:
        super().__init__()
        import mmunirgbir  # noqa: F401
        from mmunirgbir.deployment import RawRGBIRInput
        from mmunirgbir.models import UniRGBIRViT
        torch.manual_seed(0)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            overrides = dict(size_overrides)
            sfi_cfg = dict(dict(init_gamma=0.1), **overrides.pop('sfi_cfg', {}))
            self.backbone = UniRGBIRViT(sfi_cfg=sfi_cfg, **overrides)
        self.preprocess = RawRGBIRInput(
            [123.675, 116.28, 103.53] + [114.495] * 3,
            [58.395, 57.12, 57.375] + [57.63] * 3)

    def forward(self, rgb, ir):
        return self.backbone(self.preprocess(rgb, ir))[-1]


def measure(runs: int, size=(512, 640), opset: int = 18,
            **size_overrides) -> dict:
    """Export, then time the three runtimes alternately (one process)."""
    import onnxruntime as ort
    import openvino as ov

    from mmunirgbir.deployment import export_onnx, quantize_int8
    from openvino_features import PerShapeCompiledModel, compile_openvino
    model = _Backbone(size_overrides).eval()
    g = torch.Generator().manual_seed(0)
    rgb = torch.randint(0, 256, (1, 3, *size), generator=g,
                        dtype=torch.uint8)
    ir = torch.randint(0, 256, (1, 1, *size), generator=g, dtype=torch.uint8)
    feed = {'rgb': rgb.numpy(), 'ir': ir.numpy()}
    with tempfile.TemporaryDirectory() as tmp:
        path = osp.join(tmp, 'backbone.onnx')
        start = time.perf_counter()
        export_onnx(model, (rgb, ir), path, opset=opset,
                    metadata=dict(task='features'))
        export_s = time.perf_counter() - start
        session = ort.InferenceSession(
            path, providers=['CPUExecutionProvider'])
        core = ov.Core()
        compiled = core.compile_model(path, 'CPU',
                                      {'INFERENCE_PRECISION_HINT': 'f32'})
        # OpenVINO's own choice: bf16 on CPUs that have it (not fp32)
        native = core.compile_model(path, 'CPU')
        precision = native.get_property('INFERENCE_PRECISION_HINT')
        native_precision = getattr(precision, 'get_type_name',
                                   lambda: str(precision))()
        bf16 = compile_openvino(path, 'bf16')
        # INT8 (NNCF) calibrated on the input itself: its speed, not its
        # accuracy (quantize.py measures that on real pairs)
        pre = model.preprocess
        with torch.no_grad():
            calib = [pre(rgb, ir)]
        graph = core.read_model(path)
        quantized = quantize_int8(graph, calib, pre.mean, pre.std)
        int8 = compile_openvino(quantized, 'int8')
        int8_bf16 = compile_openvino(quantized, 'int8_bf16')
        bf16_static = PerShapeCompiledModel(graph, 'bf16')
        int8_bf16_static = PerShapeCompiledModel(quantized, 'int8_bf16')

    def pytorch():
        with torch.no_grad():
            return model(rgb, ir).numpy()

    def first_output(compiled_model):
        return lambda: np.asarray(
            next(iter(compiled_model(feed).values())))

    runners = {
        'pytorch': pytorch,
        'onnxruntime': lambda: session.run(None, feed)[0],
        **{
            f'openvino{suffix}': first_output(m)
            for suffix, m in (('', compiled), ('_native', native),
                              ('_bf16', bf16), ('_int8', int8),
                              ('_int8_bf16', int8_bf16),
                              ('_bf16_static', bf16_static),
                              ('_int8_bf16_static', int8_bf16_static))
        },
    }
    outputs, times = times_in_turn(runners, runs)
    med = {name: statistics.median(t) for name, t in times.items()}
    result = dict(
        input=f'{size[1]}x{size[0]}, batch 1, fp32, '
        f'{torch.get_num_threads()} threads',
        opset=opset,
        export_s=round(export_s, 1))
    for name in runners:
        result[f'{name}_s'] = round(med[name], 4)
        result[f'{name}_range_s'] = [round(min(times[name]), 4),
                                     round(max(times[name]), 4)]
    result['openvino_native_precision'] = native_precision
    for name in list(runners)[1:]:
        result[f'{name}_over_pytorch'] = round(med[name] / med['pytorch'], 3)
        result[f'{name}_max_abs_diff'] = float(
            np.abs(outputs[name] - outputs['pytorch']).max())
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--runs', type=int, default=10)
    parser.add_argument('--opset', type=int, default=18)
    args = parser.parse_args()
    result = measure(args.runs, opset=args.opset)
    suffix = '_over_pytorch'
    for name in ['pytorch'] + [
            k[:-len(suffix)] for k in result if k.endswith(suffix)]:
        print(f'{name:<20}{result[name + "_s"] * 1e3:>9.1f} ms')
    print(json.dumps(result))


if __name__ == '__main__':
    main()
