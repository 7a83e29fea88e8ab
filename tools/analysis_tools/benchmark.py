# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Speed and memory of the UniRGB-IR backbone against its plain ViT.

ViT-B/16 reference backbone, 640x512 (H=512, W=640), batch 1, fp32, on the
machine it runs on. Backbone only. A training step is forward + loss (mean of
the outputs) + backward + AdamW over the trainable parameters. Times are
medians of >= 5 runs after 2 warm-ups; the two sides of each ratio run in
one process, alternating, so that both see the same machine state. Peak
memory is the peak RSS above the pre-step RSS over 3 steps (CUDA: peak
allocated memory), each mode in a fresh subprocess.

Printed last, one JSON line:
- infer_overhead: UniRGB-IR forward time / the same frozen ViT alone
  (target <= 1.20);
- train_time_ratio: training step with the ViT frozen / the same step with
  the ViT trainable (target <= 0.70); ``train_time_ratio_cp`` with gradient
  checkpointing of the frozen blocks on; ``train_time_ratio_adapter_free``
  the ratio an adapter costing nothing would get (the frozen ViT's forward
  and backward to its input / the ViT's own fine-tuning step): a lower
  bound for every adapter that injects before the first block, as this one
  does;
- train_step_over_vit_forward: the frozen training step (forward, loss,
  backward, AdamW) / the frozen ViT's inference forward on the same input
  (target <= 2.8; by multiply-adds the step is about 2.7x);
- train_breakdown: the frozen training step split into forward, backward
  and optimizer (zero_grad + AdamW), and the backward further into the ViT
  blocks' attention and MLP, the deformable sampling (the injectors'
  attention modules), the MFP convolutions (stems, mixing, pyramid) and the
  rest (norms and residuals of the blocks, the pool's reads, gates),
  seconds, medians over the runs;
- train_mem_ratio: peak memory of the frozen step (gradient checkpointing of
  the frozen blocks on) / the full fine-tuning step (target <= 0.55);
- trainable_params, total_params;
- infer_breakdown: the share of the UniRGB-IR forward spent in the ViT
  (patch embedding and blocks), the RGB/IR front-end (MFP stems, mixing,
  pyramid), the deformable attention (the four injectors, their reads of
  the pool included) and the rest (the pool's factorisation, gates,
  reshapes), medians over the runs.
- vit_input_ir_over_rgb, vit_input_both_over_rgb: the UniRGB-IR forward
  with the frozen ViT on IR, or on both images as two streams, / the
  paper's (ViT on RGB) (target for 'both' <= 2.2).
Also measured: 1024x1024 with window attention on and off.

    python tools/analysis_tools/benchmark.py [--device cpu|cuda] [--runs 5]
"""
import argparse
import collections
import json
import os
import statistics
import subprocess
import sys
import time
import warnings

import torch

#: memory modes: backbone kwargs and what one step does
MEM_MODES = {
    'train_frozen_cp': (dict(with_cp=True), 'train'),
    'train_frozen': (dict(), 'train'),
    'train_full': (dict(freeze_vit=False), 'train'),
}
#: timing pairs (numerator, denominator), each side: (kwargs, step, size)
TIME_PAIRS = {
    'infer_overhead': ((dict(), 'forward', (512, 640)),
                       (dict(), 'foundation', (512, 640))),
    'train_step_over_vit_forward': ((dict(), 'train', (512, 640)),
                                    (dict(), 'foundation', (512, 640))),
    'train_time_ratio': ((dict(), 'train', (512, 640)),
                         (dict(freeze_vit=False), 'train', (512, 640))),
    'train_time_ratio_cp': ((dict(with_cp=True), 'train', (512, 640)),
                            (dict(freeze_vit=False), 'train', (512, 640))),
    # what any adapter that injects before the first block pays at least:
    # the frozen ViT's forward + backward to its input, against the ViT's
    # full fine-tuning step (the ratio of a zero-cost adapter)
    'train_time_ratio_adapter_free': ((dict(), 'vit_input_grad', (512, 640)),
                                      (dict(freeze_vit=False), 'vit_train',
                                       (512, 640))),
    'infer_overhead_1024_window': ((dict(window_size=14), 'forward',
                                    (1024, 1024)),
                                   (dict(window_size=14), 'foundation',
                                    (1024, 1024))),
    'infer_overhead_1024_global': ((dict(), 'forward', (1024, 1024)),
                                   (dict(), 'foundation', (1024, 1024))),
    'window_speedup_1024': ((dict(), 'forward', (1024, 1024)),
                            (dict(window_size=14), 'forward', (1024, 1024))),
    # what the frozen ViT sees (vit_input) against the paper's RGB
    'vit_input_ir_over_rgb': ((dict(vit_input='ir'), 'forward', (512, 640)),
                              (dict(), 'forward', (512, 640))),
    'vit_input_both_over_rgb': ((dict(vit_input='both'), 'forward',
                                 (512, 640)), (dict(), 'forward',
                                               (512, 640))),
}


def _rss_kb(field: str) -> int:
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1])
    raise RuntimeError(f'{field} not in /proc/self/status')


def make_step(kwargs: dict, what: str, size, device: str, **overrides):
    """Build a backbone and return (model, one-step closure).

    ``overrides`` change the reference backbone (the tests use a tiny one).
    """
    import mmunirgbir  # noqa: F401
    from mmunirgbir.models import UniRGBIRViT
    if device == 'cuda':  # fp32 means fp32: no TF32 matmuls / convolutions
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        model = UniRGBIRViT(**overrides, **kwargs).to(device)
    x = torch.randn(1, 6, *size, device=device)
    params = [
        p for p in (model.vit if what == 'vit_train' else model).parameters()
        if p.requires_grad
    ]
    optim = torch.optim.AdamW(
        params, lr=1e-4) if what in ('train', 'vit_train') else None

    def step(timer=None):
        if what == 'train':  # timer(phase) closes forward / backward / optim
            timer = timer or (lambda phase: None)
            model.train()
            loss = sum(o.mean() for o in model(x))
            timer('forward')
            loss.backward()
            timer('backward')
            optim.step()
            optim.zero_grad(set_to_none=True)
            timer('optimizer')
        elif what == 'vit_train':  # the ViT alone, fully fine-tuned
            model.train()
            optim.zero_grad(set_to_none=True)
            sum(o.mean() for o in model.forward_foundation(x)).backward()
            optim.step()
        elif what == 'vit_input_grad':  # the frozen ViT, backprop to input
            model.train()
            tokens, hw, rope = model._embed(x[:, :3])
            tokens = tokens.detach().requires_grad_()
            for stage in range(len(model.stage_blocks)):
                tokens = model._run_stage(stage, tokens, hw, rope)
            tokens.mean().backward()
        else:
            model.eval()
            with torch.no_grad():
                if what == 'foundation':
                    model.forward_foundation(x)
                else:
                    model(x)
        if device == 'cuda':
            torch.cuda.synchronize()

    return model, step


#: parts of the forward timed for ``infer_breakdown``: (submodule of the
#: backbone, method, part); ``rest`` is the forward's time outside them
BREAKDOWN_PARTS = (
    ('', '_embed', 'vit'),
    ('', '_run_stage', 'vit'),
    ('mfp', 'forward_pyramid', 'front_end'),
) + tuple((f'injectors.{i}', 'forward', 'deformable_attention')
          for i in range(4))


def measure_breakdown(device: str, runs: int, size=(512, 640),
                      **overrides) -> dict:
    """Median share of each part of the UniRGB-IR forward (eval, no grad).

    Each part's methods are wrapped on the instance with timers (and CUDA
    synchronisation), so the parts add up to the forward they ran in.
    """
    model, step = make_step({}, 'forward', size, device, **overrides)
    spent = collections.Counter()

    def timed(inner, part: str):

        def wrapper(*args, **kwargs):
            if device == 'cuda':
                torch.cuda.synchronize()
            start = time.perf_counter()
            out = inner(*args, **kwargs)
            if device == 'cuda':
                torch.cuda.synchronize()
            spent[part] += time.perf_counter() - start
            return out

        return wrapper

    for path, method, part in BREAKDOWN_PARTS:
        obj = model.get_submodule(path)
        setattr(obj, method, timed(getattr(obj, method), part))
    for _ in range(2):
        step()
    shares = collections.defaultdict(list)
    for _ in range(runs):
        spent.clear()
        start = time.perf_counter()
        step()
        total = time.perf_counter() - start
        spent['rest'] = total - sum(spent.values())
        for part, seconds in spent.items():
            shares[part].append(seconds / total)
    return {
        part: statistics.median(values)
        for part, values in sorted(shares.items())
    }


#: parts of the backward timed for ``train_breakdown``: (submodules of the
#: backbone whose backward is timed, part); the MFP's part runs from the
#: first gradient reaching a pyramid output to the end of the backward
TRAIN_BACKWARD_PARTS = (
    (lambda m: [b.attn for b in m.vit.blocks], 'vit_attention'),
    (lambda m: [b.mlp for b in m.vit.blocks], 'vit_mlp'),
    (lambda m: [i.attn for i in m.injectors], 'deformable_sampling'),
)


class _BackwardClock(torch.autograd.Function):
    """Identity whose backward calls ``tick()`` when the gradient passes."""

    @staticmethod
    def forward(ctx, x, tick):
        ctx.tick = tick
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad):
        ctx.tick()
        return grad, None


def _clocked(tensors, tick):
    """Tensors (nested in lists / tuples) that require grad, clocked."""
    if isinstance(tensors, torch.Tensor):
        return _BackwardClock.apply(tensors,
                                    tick) if tensors.requires_grad else tensors
    if isinstance(tensors, (list, tuple)):
        return type(tensors)(_clocked(t, tick) for t in tensors)
    return tensors


def measure_train_breakdown(device: str, runs: int, size=(512, 640),
                            **overrides) -> dict:
    """Median seconds of each phase and backward part of the frozen step.

    A part's backward time is, per call of its module, the time from its
    output's gradient arriving to the last of its inputs' gradients leaving
    (autograd runs one call's nodes together on CPU: a later node of the
    graph always goes first).
    """
    model, step = make_step({}, 'train', size, device, **overrides)
    spent = collections.Counter()

    def now():
        if device == 'cuda':
            torch.cuda.synchronize()
        return time.perf_counter()

    def clock_module(module, part):
        inner = module.forward

        def forward(*args, **kwargs):
            times = {}

            def arrive():
                times['last'] = now()

            def leave():  # once per input: the last one closes the call
                t = now()
                if 'last' in times:
                    spent[part] += t - times['last']
                    times['last'] = t

            out = inner(*_clocked(args, leave), **kwargs)
            return _clocked(out, arrive)

        module.forward = forward

    for modules, part in TRAIN_BACKWARD_PARTS:
        for module in modules(model):
            clock_module(module, part)
    # the MFP's convolutions run last in the backward
    mfp_start = {}
    inner_pyramid = model.mfp.forward_pyramid

    def forward_pyramid(*args):
        mfp_start.clear()
        return _clocked(inner_pyramid(*args),
                        lambda: mfp_start.setdefault('t', now()))

    model.mfp.forward_pyramid = forward_pyramid
    for _ in range(2):
        step()
    results = collections.defaultdict(list)
    for _ in range(runs):
        spent.clear()
        marks = [now()]
        phases = {}

        def timer(phase):
            marks.append(now())
            phases[phase] = marks[-1] - marks[-2]

        step(timer)
        backward_parts = dict(spent)
        backward_parts['mfp_convolutions'] = (
            marks[2] - mfp_start['t']) if 't' in mfp_start else 0.
        backward_parts['rest'] = phases['backward'] - sum(
            backward_parts.values())
        for phase, seconds in phases.items():
            results[phase].append(seconds)
        for part, seconds in backward_parts.items():
            results['backward.' + part].append(seconds)
    med = {k: statistics.median(v) for k, v in results.items()}
    out = {k: med[k] for k in ('forward', 'backward', 'optimizer')}
    out['backward_parts'] = {
        k.split('.', 1)[1]: v
        for k, v in med.items() if k.startswith('backward.')
    }
    return out


def measure_memory(mode: str, device: str) -> dict:
    """Peak memory of 3 steps above the pre-step level (fresh process)."""
    kwargs, what = MEM_MODES[mode]
    model, step = make_step(kwargs, what, (512, 640), device)
    if device == 'cuda':
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
    else:
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')  # reset the peak-RSS counter (VmHWM)
        base = _rss_kb('VmRSS') * 1024
    for _ in range(3):
        step()
    peak = (torch.cuda.max_memory_allocated() if device == 'cuda' else
            _rss_kb('VmHWM') * 1024) - base
    return dict(
        mode=mode,
        peak_mem_mb=peak / 2**20,
        trainable_params=sum(p.numel() for p in model.parameters()
                             if p.requires_grad),
        total_params=sum(p.numel() for p in model.parameters()))


def measure_pair(name: str, device: str, runs: int) -> dict:
    """Both sides of a ratio in one process, runs alternating."""
    (num_step, den_step) = (make_step(*side, device)[1]
                            for side in TIME_PAIRS[name])
    for _ in range(2):  # warm-ups
        num_step()
        den_step()
    times = {'num': [], 'den': []}
    for _ in range(runs):
        for key, step in (('num', num_step), ('den', den_step)):
            start = time.perf_counter()
            step()
            times[key].append(time.perf_counter() - start)
    num = statistics.median(times['num'])
    den = statistics.median(times['den'])
    return dict(pair=name, num_s=num, den_s=den, ratio=num / den)


def _rounded(d: dict) -> dict:
    return {
        k: _rounded(v) if isinstance(v, dict) else round(v, 3)
        for k, v in d.items()
    }


def _child(args: list) -> dict:
    out = subprocess.run([sys.executable, os.path.abspath(__file__)] + args,
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--device', default='cuda'
                        if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--runs', type=int, default=5)
    parser.add_argument('--pairs', nargs='+', default=list(TIME_PAIRS))
    parser.add_argument('--mem-child', help=argparse.SUPPRESS)
    parser.add_argument('--time-child', help=argparse.SUPPRESS)
    parser.add_argument(
        '--breakdown-child', action='store_true', help=argparse.SUPPRESS)
    parser.add_argument(
        '--train-breakdown-child',
        action='store_true',
        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.train_breakdown_child:
        print(json.dumps(measure_train_breakdown(args.device, args.runs)))
        return
    if args.breakdown_child:
        print(json.dumps(measure_breakdown(args.device, args.runs)))
        return
    if args.mem_child:
        print(json.dumps(measure_memory(args.mem_child, args.device)))
        return
    if args.time_child:
        print(json.dumps(measure_pair(args.time_child, args.device,
                                      args.runs)))
        return

    device = ['--device', args.device]
    summary = dict(
        device=args.device if args.device == 'cpu' else
        torch.cuda.get_device_name(),
        input='640x512, batch 1, fp32 (1024x1024 for *_1024)')
    print(f'{"timing":<30}{"numerator":>14}{"denominator":>14}{"ratio":>8}')
    for name in args.pairs:
        r = _child(['--time-child', name, '--runs', str(args.runs)] + device)
        summary[name] = round(r['ratio'], 3)
        summary[name + '_s'] = [round(r['num_s'], 3), round(r['den_s'], 3)]
        print(f'{name:<30}{r["num_s"] * 1e3:>11.1f} ms{r["den_s"] * 1e3:>11.1f}'
              f' ms{r["ratio"]:>8.3f}', flush=True)
    breakdown = _child(['--breakdown-child', '--runs', str(args.runs)] +
                       device)
    summary['infer_breakdown'] = _rounded(breakdown)
    print('share of the UniRGB-IR forward: ' + ', '.join(
        f'{k} {v:.1%}' for k, v in breakdown.items()), flush=True)
    train = _child(['--train-breakdown-child', '--runs',
                    str(args.runs)] + device)
    summary['train_breakdown'] = _rounded(train)
    print('frozen training step: ' + ', '.join(
        f'{k} {v:.3f} s' for k, v in train.items() if k != 'backward_parts') +
          '; backward: ' + ', '.join(
              f'{k} {v:.3f} s' for k, v in train['backward_parts'].items()),
          flush=True)
    mem = {m: _child(['--mem-child', m] + device) for m in MEM_MODES}
    for m, r in mem.items():
        print(f'peak memory {m:<20}{r["peak_mem_mb"]:>10.1f} MB', flush=True)
    full = mem['train_full']['peak_mem_mb']
    summary['train_mem_ratio'] = round(
        mem['train_frozen_cp']['peak_mem_mb'] / full, 3)
    summary['train_mem_ratio_no_cp'] = round(
        mem['train_frozen']['peak_mem_mb'] / full, 3)
    summary['trainable_params'] = mem['train_frozen']['trainable_params']
    summary['total_params'] = mem['train_frozen']['total_params']
    if args.device == 'cuda':
        from mmunirgbir.models.layers.value_map_deformable_attention import \
            mmcv_cuda_kernel_available
        summary['deformable_sampling'] = (
            "mmcv's CUDA kernel" if mmcv_cuda_kernel_available() else
            'PyTorch (mmcv has no CUDA kernels here)')
        if 'infer_overhead_s' in summary:
            summary['images_per_s'] = round(
                1 / summary['infer_overhead_s'][0], 2)
        if 'train_time_ratio_s' in summary:
            summary['train_images_per_s'] = round(
                1 / summary['train_time_ratio_s'][0], 2)
        summary['peak_cuda_mem_mb'] = {
            m: round(r['peak_mem_mb'], 1)
            for m, r in mem.items()
        }
    else:
        summary['gpu'] = 'no GPU on this machine: CPU numbers only'
    print(json.dumps(summary))


if __name__ == '__main__':
    main()
