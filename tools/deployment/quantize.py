# Copyright (c) mmunirgbir contributors. All rights reserved.
"""INT8 post-training quantisation of an exported graph for OpenVINO (NNCF),
calibrated on real pairs of the config's data set, and what it costs.

    python tools/deployment/quantize.py MODEL.onnx CONFIG --calib 100 \\
        [--out MODEL_int8.xml] [--checkpoint CKPT] [--time-shape 512 640] \\
        [--static-shapes]

Calibration pairs come from the config's training set (``--split``), through
its test pipeline and data preprocessor, spread evenly over the set. The
INT8 model is written as OpenVINO IR (``.xml`` + ``.bin``).

With ``--checkpoint`` (the checkpoint the graph was exported from), the
tool also measures the accuracy and speed of PyTorch fp32 and of the graph
in OpenVINO fp32, bf16 and INT8 (the other operations in fp32, or in
bf16: ``int8_bf16``): the config's test set and evaluator, with
the graph in place of the model's backbone and neck and the model's own
heads after it. That needs a feature graph: a ``--backbone-only``
export. Times are medians of ``--runs`` (the runtimes in turn) after 2
warm-ups, backbone (+ neck) only, at ``--time-shape`` (a graph exported
with ``--dynamic``; a fixed graph is timed at its own size), with
``--threads`` threads. With ``--static-shapes`` OpenVINO compiles each
graph for each input shape it meets, that shape fixed, as a deployer with
one camera size does (much faster in INT8). The last line printed is one
JSON object.
"""
import argparse
import functools
import json
import os.path as osp
import statistics
import sys
import tempfile
import time

import numpy as np
import onnx
import torch
from mmengine.config import Config, DictAction
from mmengine.runner import Runner

import mmunirgbir  # noqa: F401  (registers the RGB-IR modules)
from mmunirgbir.deployment.int8_quantization import (calibration_batches,
                                                     graph_feed, input_dtype,
                                                     quantize_int8)

TOOLS = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path[:0] = [osp.join(TOOLS, 'deployment'),
                osp.join(TOOLS, 'analysis_tools')]
from benchmark_deploy import times_in_turn  # noqa: E402
from openvino_features import (OpenVINOFeatures,  # noqa: E402
                               PerShapeCompiledModel, compile_openvino)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('model', help='.onnx file of pytorch2onnx.py')
    parser.add_argument('config')
    parser.add_argument('--calib', type=int, default=100,
                        help='calibration pairs (default 100)')
    parser.add_argument('--split', default='train',
                        help='data set of the calibration pairs')
    parser.add_argument('--out', help='INT8 model (.xml; default '
                        'MODEL_int8.xml)')
    parser.add_argument('--checkpoint', help='measure accuracy and speed '
                        'against this PyTorch checkpoint')
    parser.add_argument('--metric', help='metric key of the summary '
                        '(default: the evaluator\'s first)')
    parser.add_argument('--time-shape', type=int, nargs=2,
                        metavar=('H', 'W'), default=(512, 640))
    parser.add_argument('--runs', type=int, default=10)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--static-shapes', action='store_true',
                        help='compile the OpenVINO graphs for each input '
                        'shape, that shape fixed')
    parser.add_argument('--work-dir', help='evaluation work folder')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args()


def graph_task(path: str) -> str:
    """The ``task`` pytorch2onnx.py stored in the graph ('' if none)."""
    model = onnx.load(path, load_external_data=False)
    return {p.key: p.value for p in model.metadata_props}.get('task', '')


def measure(args, cfg: Config, graphs: dict) -> dict:
    """Metric and backbone (+ neck) time of PyTorch fp32 and each graph."""
    cfg.load_from = args.checkpoint
    cfg.work_dir = args.work_dir or tempfile.mkdtemp(prefix='quantize_')
    runner = Runner.from_cfg(cfg)
    results = {'pytorch_fp32': dict(metrics=runner.test())}
    model = runner.model.eval()
    backbone, neck = model.backbone, getattr(model, 'neck', None)
    pre = model.data_preprocessor
    h, w = args.time_shape
    fixed = [d.get_length() if d.is_static else 0
             for d in graphs['fp32'].inputs[0].get_partial_shape()][2:]
    if all(fixed):
        h, w = fixed
    g = torch.Generator().manual_seed(0)
    x = (torch.randint(0, 256, (1, 6, h, w), generator=g).float() -
         pre.mean.view(1, 6, 1, 1)) / pre.std.view(1, 6, 1, 1)
    x[:, 4:] = x[:, 3:4]  # a grey IR image

    def pytorch_features():
        with torch.no_grad():
            feats = backbone(x)
            return neck(feats) if neck is not None else feats

    runners = dict(pytorch_fp32=pytorch_features)
    for precision, graph in graphs.items():
        compiled = (PerShapeCompiledModel(graph, precision, args.threads)
                    if args.static_shapes else compile_openvino(
                        graph, precision, args.threads))
        feed = graph_feed(x, pre.mean.flatten(), pre.std.flatten(),
                          input_dtype(compiled))
        runners[f'openvino_{precision}'] = functools.partial(compiled, feed)
        OpenVINOFeatures.replace_features(model, compiled)
        results[f'openvino_{precision}'] = dict(metrics=runner.test())
    for name, t in times_in_turn(runners, args.runs)[1].items():
        results[name]['time_s'] = statistics.median(t)
    base = results['pytorch_fp32']
    key = args.metric or next(iter(base['metrics']))
    for name, r in results.items():
        if key not in r['metrics']:
            raise ValueError(f'no metric {key!r} (have {sorted(r["metrics"])})')
        r['metric'] = r['metrics'][key]
        r['drop_points'] = 100 * (base['metrics'][key] - r['metric'])
        r['time_over_pytorch'] = r['time_s'] / base['time_s']
    return dict(metric=key, time_shape=[h, w], threads=args.threads,
                static_shapes=args.static_shapes, results=results)


def main() -> None:
    args = parse_args()
    import openvino as ov
    torch.set_num_threads(args.threads)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    if not osp.isfile(args.model):
        raise SystemExit(f'quantize.py: error: no model file {args.model}')
    task = graph_task(args.model)
    if args.checkpoint and task != 'features':
        raise SystemExit(
            f'quantize.py: error: {args.model} is a {task or "plain"!r} '
            'graph; the accuracy is measured on a feature graph '
            "(pytorch2onnx.py --backbone-only), whose features the model's "
            'own heads take')
    try:
        batches = calibration_batches(cfg, args.calib, args.split)
    except ValueError as e:
        raise SystemExit(f'quantize.py: error: {e}')
    pre = cfg.model.data_preprocessor
    fp32 = ov.Core().read_model(args.model)
    start = time.perf_counter()
    int8 = quantize_int8(fp32, batches, pre.mean, pre.std)
    out = args.out or osp.splitext(args.model)[0] + '_int8.xml'
    ov.save_model(int8, out, compress_to_fp16=False)
    summary = dict(model=args.model, int8=out, calibration_pairs=len(batches),
                   split=args.split,
                   quantize_s=round(time.perf_counter() - start, 1))
    print(f'wrote {out}: INT8, calibrated on {len(batches)} {args.split} '
          f'pairs of {osp.basename(args.config)}')
    if args.checkpoint:
        m = measure(args, cfg,
                    dict(fp32=fp32, bf16=fp32, int8=int8, int8_bf16=int8))
        print(f'{"":<16}{m["metric"]:>20}{"drop (points)":>15}'
              f'{"time":>10}{"vs PyTorch":>12}')
        for name, r in m['results'].items():
            print(f'{name:<16}{r["metric"]:>20.3f}{r["drop_points"]:>15.2f}'
                  f'{r["time_s"] * 1e3:>7.0f} ms{r["time_over_pytorch"]:>12.3f}')
        summary.update(
            metric=m['metric'], time_shape=m['time_shape'],
            threads=m['threads'], static_shapes=m['static_shapes'],
            results={
                k: {f: (round(v, 4) if isinstance(v, float) else v)
                    for f, v in r.items() if f != 'metrics'}
                for k, r in m['results'].items()
            })
    print(json.dumps(summary, default=lambda v: float(np.asarray(v))))


if __name__ == '__main__':
    main()
