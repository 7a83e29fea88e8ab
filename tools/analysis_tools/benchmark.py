# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Speed and memory of the UniRGB-IR backbone against its plain ViT.

ViT-B/16 reference backbone, batch 1, fp32, each measurement in a fresh
process: ``torch.utils.benchmark`` ratios, ``torch.profiler`` breakdowns, peak
memory. The last line is one JSON object (keys: docs/benchmarks.md).

    python tools/analysis_tools/benchmark.py [--device cpu|cuda] [--runs 5]
"""
import argparse
import json
import os
import resource
import subprocess
import sys

import torch
from torch.profiler import ProfilerActivity, profile, record_function
from torch.utils import benchmark

_W14, _FULL, _CP = dict(window_size=14), dict(freeze_vit=False), dict(
    with_cp=True)
#: memory modes: the backbone kwargs of a training step
MEM_MODES = dict(train_frozen_cp=_CP, train_frozen={}, train_full=_FULL)
#: timing pairs (numerator, denominator), each side (backbone kwargs, step);
#: 1024x1024 for the names with 1024, else 640x512
TIME_PAIRS = {
    'infer_overhead': (({}, 'forward'), ({}, 'foundation')),
    'train_step_over_vit_forward': (({}, 'train'), ({}, 'foundation')),
    'train_time_ratio': (({}, 'train'), (_FULL, 'train')),
    'train_time_ratio_cp': ((_CP, 'train'), (_FULL, 'train')),
    # the least any adapter that injects before the first block pays: the
    # frozen ViT's forward + backward to its input / its fine-tuning step
    'train_time_ratio_adapter_free': (({}, 'vit_input_grad'),
                                      (_FULL, 'vit_train')),
    'infer_overhead_1024_window': ((_W14, 'forward'), (_W14, 'foundation')),
    'infer_overhead_1024_global': (({}, 'forward'), ({}, 'foundation')),
    'window_speedup_1024': (({}, 'forward'), (_W14, 'forward')),
    # what the frozen ViT sees (vit_input) against the paper's RGB
    **{f'vit_input_{v}_over_rgb': ((dict(vit_input=v), 'forward'),
                                   ({}, 'forward')) for v in ('ir', 'both')},
    # the two streams with the RGB one on the 2x average-pooled image
    'rgb_stream_downsample_2_over_rgb': (
        (dict(vit_input='both', rgb_stream_downsample=2), 'forward'),
        ({}, 'forward')),
}


def make_step(kwargs: dict, what: str, size, device: str,
              input_grad: bool = False, **overrides):
    """(model, one-step closure); ``overrides`` change the backbone. ``what``:
    'forward', 'foundation' (the ViT alone), 'train' (phases as profiler
    ranges), 'vit_train' (the ViT alone, fine-tuned) or 'vit_input_grad' (the
    frozen ViT, backward to its input). ``input_grad``: the image requires
    grad (module backward hooks then see the stems)."""
    from mmunirgbir.models import UniRGBIRViT
    torch.backends.cuda.matmul.allow_tf32 = False  # fp32 means fp32
    torch.backends.cudnn.allow_tf32 = False
    torch.manual_seed(0)
    model = UniRGBIRViT(**overrides, **kwargs).to(device)
    x = torch.randn(1, 6, *size, device=device,
                    requires_grad=input_grad or what == 'vit_input_grad')
    training = what in ('train', 'vit_train', 'vit_input_grad')
    forward = model if what in ('train', 'forward') else \
        model.forward_foundation
    trained = (model.vit if what == 'vit_train' else model).parameters()
    optim = torch.optim.AdamW([p for p in trained if p.requires_grad],
                              lr=1e-4) if what.endswith('train') else None

    def step():
        model.train(training)
        with torch.set_grad_enabled(training):
            with record_function('forward'):
                out = forward(x)
            if training:
                with record_function('backward'):
                    sum(o.mean() for o in out).backward()
            if optim is not None:
                with record_function('optimizer'):
                    optim.step()
                    optim.zero_grad(set_to_none=True)

    return model, step


#: the forward's parts (``infer_breakdown``), each a list of submodules
INFER_PARTS = {
    'vit': lambda m: [m.vit.patch_embed, *m.vit.blocks],
    'front_end': lambda m: [  # the MFP's convolutions
        c for c in (m.mfp.rgb_stem, m.mfp.ir_stem, m.mfp.alignment,
                    m.mfp.mixing, m.mfp.pyramid) if c is not None],
    'deformable_attention': lambda m: list(m.injectors),
}
#: the frozen training step's backward parts (``train_breakdown``)
BACKWARD_PARTS = {
    'vit_attention': lambda m: [b.attn for b in m.vit.blocks],
    'vit_mlp': lambda m: [b.mlp for b in m.vit.blocks],
    'deformable_sampling': lambda m: [i.attn for i in m.injectors],
    'mfp_convolutions': INFER_PARTS['front_end'],
}


def _profiled_seconds(model, step, parts: dict, backward: bool,
                      runs: int) -> dict:
    """Seconds per step of the step, its phases and each part (a profiler
    range around each forward, or backward, call of its modules)."""
    ranges = []

    def enter(name):
        return lambda *_: ranges.append(record_function(name).__enter__())

    def leave(*_):
        ranges.pop().__exit__(None, None, None)

    hook = 'register_full_backward' if backward else 'register_forward'
    for name, modules in parts.items():
        for m in modules(model):
            getattr(m, hook + '_pre_hook')(enter(name))
            getattr(m, hook + '_hook')(leave)
    for _ in range(2):  # warm-ups
        step()
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(runs):
            with record_function('step'):
                step()
    total = {e.key: e.cpu_time_total / runs / 1e6 for e in prof.key_averages()}
    names = ('step', 'forward', 'backward', 'optimizer', *parts)
    return {k: total.get(k, 0.) for k in names}


def measure_breakdown(kind: str, device: str, runs: int, size=(512, 640),
                      **overrides) -> dict:
    """'infer': each part's share of the forward (eval, no grad); 'train':
    seconds of the frozen step's phases and of its backward's parts."""
    train = kind == 'train'
    parts = BACKWARD_PARTS if train else INFER_PARTS
    model, step = make_step({}, 'train' if train else 'forward', size,
                            device, input_grad=train, **overrides)
    s = _profiled_seconds(model, step, parts, train, runs)
    if not train:
        shares = {k: s[k] / s['step'] for k in parts}
        return dict(shares, rest=1 - sum(shares.values()))
    p = {k: s[k] for k in parts}
    return dict({k: s[k] for k in ('forward', 'backward', 'optimizer')},
                backward_parts=dict(p, rest=s['backward'] - sum(p.values())))


def measure_memory(mode: str, device: str, runs: int = 3) -> dict:
    """Peak memory (MB) of ``runs`` steps above the level before them."""
    model, step = make_step(MEM_MODES[mode], 'train', (512, 640), device)
    peak = torch.cuda.max_memory_allocated if device == 'cuda' else (
        lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
    base = torch.cuda.memory_allocated() if device == 'cuda' else peak()
    for _ in range(runs):
        step()
    p = list(model.parameters())
    return dict(peak_mem_mb=(peak() - base) / 2**20,
                trainable_params=sum(x.numel() for x in p if x.requires_grad),
                total_params=sum(x.numel() for x in p))


def measure_pair(name: str, device: str, runs: int) -> dict:
    """Both sides of a ratio in one process, their runs alternating."""
    size = (1024, 1024) if '1024' in name else (512, 640)
    timers = [benchmark.Timer('step()', num_threads=torch.get_num_threads(),
                              globals=dict(step=make_step(*side, size,
                                                          device)[1]))
              for side in TIME_PAIRS[name]]
    measured = [[], []]
    for _ in range(runs + 2):  # the first two rounds warm up
        for t, m in zip(timers, measured):
            m.append(t.timeit(1))
    num, den = (benchmark.Measurement.merge(m[2:])[0].median for m in measured)
    return _rounded(dict(num_s=num, den_s=den, ratio=num / den))


def _rounded(d: dict) -> dict:
    return {k: _rounded(v) if isinstance(v, dict) else round(v, 3)
            for k, v in d.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--device', default='cuda'
                        if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--runs', type=int, default=5)
    parser.add_argument('--pairs', nargs='+', default=list(TIME_PAIRS))
    parser.add_argument('--child', nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    dev, runs = args.device, args.runs
    if args.child:  # one measurement: time PAIR, mem MODE, breakdown KIND
        kind, arg = args.child
        measure = dict(time=measure_pair, mem=measure_memory,
                       breakdown=measure_breakdown)[kind]
        print(json.dumps(measure(arg, dev, runs)))
        return

    def child(kind, arg):  # CUDA breakdowns: the ranges time the kernels
        env = dict(os.environ, CUDA_LAUNCH_BLOCKING='1') \
            if kind == 'breakdown' else None
        out = subprocess.run(
            [sys.executable, os.path.abspath(__file__), '--child', kind, arg,
             '--device', dev, '--runs', str(runs)],
            capture_output=True, text=True, check=True, env=env)
        return json.loads(out.stdout.strip().splitlines()[-1])

    summary = dict(device=torch.cuda.get_device_name()
                   if dev == 'cuda' else dev)
    for name in args.pairs:
        r = child('time', name)
        summary[name] = r['ratio']
        summary[name + '_s'] = [r['num_s'], r['den_s']]
        print(f'{name:<30}{r["num_s"]:8.3f} s /{r["den_s"]:8.3f} s ='
              f'{r["ratio"]:7.3f}', flush=True)
    for kind in ('infer', 'train'):
        r = summary[f'{kind}_breakdown'] = _rounded(child('breakdown', kind))
        print(f'{kind}_breakdown', r, flush=True)
    mem = {m: child('mem', m) for m in MEM_MODES}
    peak = {m: r.pop('peak_mem_mb') for m, r in mem.items()}
    print('peak memory (MB):', _rounded(peak), flush=True)
    full = peak['train_full']
    summary.update(train_mem_ratio=round(peak['train_frozen_cp'] / full, 3),
                   train_mem_ratio_no_cp=round(peak['train_frozen'] / full, 3),
                   **mem['train_frozen'])
    if dev == 'cuda':
        from mmunirgbir.models.layers.value_map_deformable_attention import \
            mmcv_cuda_kernel_available
        summary.update(peak_cuda_mem_mb=_rounded(peak), images_per_s={
            k: round(1 / summary[f'{k}_s'][0], 2) for k in
            ('infer_overhead', 'train_time_ratio') if f'{k}_s' in summary},
            mmcv_cuda_kernel=mmcv_cuda_kernel_available())
    print(json.dumps(summary))


if __name__ == '__main__':
    main()
