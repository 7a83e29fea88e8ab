# Copyright (c) mmunirgbir contributors. All rights reserved.
"""The GPU path, measured in one go in the few minutes a GPU is lent.

    python tools/misc/gpu_check.py [--dry-run] [--out REPORT.json]
        [--data-root ROOT] [--budget-s 420]

(``tools/gpu_check.sh`` installs carried wheels first, then runs this.)
Each step is timed, and a step that fails is recorded with its error while
the next one runs; the report is one JSON file (and the last line printed):

1. ``environment``: torch, the device, mmcv and which of the ops the configs
   use have CUDA kernels (``mmcv_ops_report.py``);
2. ``cuda_tests``: the suite's CUDA tests (they skip without a GPU);
3. ``parity``: one batch on the device against the CPU: the reference
   backbone's maps, a Faster R-CNN's RPN outputs, RoI head outputs on fixed
   boxes (mmcv's RoIAlign) and mmcv's NMS, a SETR-MLA segmentor's logits
   (fp32, TF32 off);
4. ``speed``: the reference ViT-B/16 backbone at 640x512, batch 8: training
   step (forward, loss, backward, AdamW) in fp32 and with bf16 autocast,
   inference, images/s and peak memory of each;
5. ``msrs_runs``: the lab's generalisation check (recommended mode and IR
   only, side by side on the one device) on ``ROOT/data/msrs_dev`` with
   ``ROOT/weights`` (``MMUNIRGBIR_SHARED``'s layout): one short run first
   measures the speed, then as many seeds of both as the budget leaves at
   ``--iters`` (twice the CPU recipe's schedule by default).

``--dry-run`` runs the same code on the CPU at a tiny size (64x96, batch 1,
one step, runs of one iteration tested on 4 clean pairs), so that the
suite can run it.
"""
import argparse
import json
import os
import os.path as osp
import re
import subprocess
import sys
import time
import traceback
from typing import Callable, Dict, List

import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
#: configs whose models the parity step builds (random weights)
DETECTOR = 'configs/unirgbir/faster-rcnn_unirgbir-vit-b_simplefpn_16xb4-lsj-100e_flir-aligned.py'  # noqa: E501
SEGMENTOR = 'configs/unirgbir_seg/setr-mla_unirgbir-vit-b_1xb4-80k_mfnet-480x640.py'  # noqa: E501
#: the suite's tests that need CUDA
CUDA_TESTS = ('tests/test_models/test_layers/test_cuda_paths.py',
              'tests/test_models/test_backbones/test_unirgbir_vit.py')
LAB = 'projects/real_data_checks'
STEPS = ['environment', 'cuda_tests', 'parity', 'speed', 'msrs_runs']
#: the msrs_dev runs: (name, config, variant)
MSRS_RUNS = (
    ('recommended', f'{LAB}/configs/faster-rcnn_unirgbir-dinov2-s16-vit-both-exposure-aug_simplefpn_1xb2-900i_msrs-dev.py', 'fused'),  # noqa: E501
    ('ir_only', f'{LAB}/configs/faster-rcnn_unirgbir-dinov2-s16_simplefpn_1xb2-900i_msrs-dev.py', 'ir'),  # noqa: E501
)


def _sync(device: str) -> None:
    if device == 'cuda':
        torch.cuda.synchronize()


def environment(args) -> Dict:
    sys.path.insert(0, osp.join(REPO, 'tools', 'misc'))
    import mmcv
    import mmcv_ops_report
    out = dict(torch=torch.__version__, cuda=torch.version.cuda,
               device=torch.cuda.get_device_name()
               if args.device == 'cuda' else 'cpu', mmcv=mmcv.__version__)
    try:
        out['mmcv_kernels'] = mmcv_ops_report.kernels(
            mmcv_ops_report.extension_path())
    except FileNotFoundError as e:  # mmcv without ops
        out['mmcv_kernels'] = str(e)
    return out


def cuda_tests(args) -> Dict:
    proc = subprocess.run(
        [sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider',
         '-W', 'ignore', '-o', 'addopts=', *CUDA_TESTS, '-k',
         'cuda or CUDA or gpu'], cwd=REPO, capture_output=True, text=True)
    tail = proc.stdout.strip().splitlines()[-1:] or ['']
    counts = {k: int(n) for n, k in re.findall(
        r'(\d+) (passed|failed|skipped|errors?|deselected)', tail[0])}
    return dict(returncode=proc.returncode, summary=tail[0], **counts)


def _build(config: str, **backbone):
    from mmengine.config import Config
    from mmengine.registry import MODELS, init_default_scope

    import mmunirgbir  # noqa: F401
    cfg = Config.fromfile(osp.join(REPO, config))
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    cfg.model.backbone.update(backbone)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).eval()
    for inj in getattr(model.backbone, 'injectors', ()):
        inj.gamma.data.fill_(0.5)  # the adapter's path, not an identity
    return model


def _diff(a, b) -> Dict:
    a, b = a.detach().float().cpu(), b.detach().float().cpu()
    scale = max(float(a.abs().max()), 1e-12)
    err = float((a - b).abs().max())
    return dict(max_abs=err, max_rel=err / scale)


def parity(args) -> Dict:
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    from mmcv.ops import nms
    h, w = args.size
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2, 6, h, w, generator=g)
    out = {}
    det = _build(DETECTOR)
    rois = torch.tensor([[0, 4., 4., w / 2, h / 2], [1, w / 4, h / 4, w - 4.,
                                                      h - 4.]])

    def detector(model, x, rois):
        with torch.no_grad():
            maps = model.backbone(x)
            feats = model.neck(maps)  # what extract_feat computes
            scores, deltas = model.rpn_head(feats)
            roi_feats = model.roi_head.bbox_roi_extractor(
                feats[:model.roi_head.bbox_roi_extractor.num_inputs], rois)
            cls, reg = model.roi_head.bbox_head(roi_feats)
        return dict(backbone=maps[0], rpn_scores=scores[0],
                    rpn_deltas=deltas[0], roi_cls=cls, roi_reg=reg)

    cpu = detector(det, x, rois)
    dev = detector(det.to(args.device), x.to(args.device),
                   rois.to(args.device))
    out.update({k: _diff(cpu[k], dev[k]) for k in cpu})
    boxes = torch.rand(200, 2, generator=g) * 100
    boxes = torch.cat([boxes, boxes + torch.rand(200, 2, generator=g) * 50],
                      1)
    scores = torch.rand(200, generator=g)
    keep_cpu = nms(boxes, scores, 0.5)[1]
    keep_dev = nms(boxes.to(args.device), scores.to(args.device), 0.5)[1]
    out['nms_same_kept'] = torch.equal(keep_cpu, keep_dev.cpu())
    del det
    seg = _build(SEGMENTOR)
    metas = [dict(img_shape=(h, w), ori_shape=(h, w), pad_shape=(h, w))] * 2
    with torch.no_grad():
        logits = seg.encode_decode(x, metas)
        logits_dev = seg.to(args.device).encode_decode(x.to(args.device),
                                                       metas)
    out['segmentor_logits'] = _diff(logits, logits_dev)
    return out


def speed(args) -> Dict:
    from mmunirgbir.models import UniRGBIRViT
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    dev, (h, w), bs = args.device, args.size, args.batch
    torch.manual_seed(0)
    model = UniRGBIRViT().to(dev)  # the paper's reference, random weights
    x = torch.randn(bs, 6, h, w, device=dev)
    optim = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=1e-4)

    def train_step(amp):
        with torch.autocast(dev, dtype=torch.bfloat16, enabled=amp):
            loss = sum(o.float().square().mean() for o in model(x))
        loss.backward()
        optim.step()
        optim.zero_grad(set_to_none=True)

    def infer(amp):
        with torch.no_grad(), torch.autocast(dev, dtype=torch.bfloat16,
                                             enabled=amp):
            model(x)

    out = {}
    for name, fn, train in (('train_fp32', lambda: train_step(False), True),
                            ('train_amp', lambda: train_step(True), True),
                            ('infer_fp32', lambda: infer(False), False),
                            ('infer_amp', lambda: infer(True), False)):
        model.train(train)
        if dev == 'cuda':
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()
        for _ in range(args.warmup):
            fn()
        _sync(dev)
        start = time.perf_counter()
        for _ in range(args.timed_steps):
            fn()
        _sync(dev)
        seconds = (time.perf_counter() - start) / args.timed_steps
        out[name] = dict(images_per_s=round(bs / seconds, 2),
                         step_s=round(seconds, 4))
        if dev == 'cuda':
            out[name]['peak_mem_mb'] = round(
                torch.cuda.max_memory_allocated() / 2**20, 1)
    out['amp_train_speedup'] = round(out['train_amp']['images_per_s'] /
                                     out['train_fp32']['images_per_s'], 3)
    out.update(size=[h, w], batch=bs)
    return out


def _check_run(config: str, variant: str, iters: int, work_dir: str,
               conditions: List[str], env: dict, options: List[str],
               seed: int = 0) -> subprocess.Popen:
    cmd = [sys.executable, f'{LAB}/tools/generalisation_check.py', config,
           '--variants', variant, '--seeds', str(seed), '--iters', str(iters),
           '--work-dir', work_dir, '--conditions', *conditions]
    if options:
        cmd += ['--cfg-options', *options]
    with open(osp.join(work_dir, f'{variant}.log'), 'w') as log:
        # the child keeps its own copy of the file descriptor
        return subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log,
                                stderr=subprocess.STDOUT)


def _seconds_per_iter(log_file: str) -> float:
    times = re.findall(r'Iter\(train\).*?\stime: ([0-9.]+)',
                       open(log_file).read())
    if not times:
        raise RuntimeError(f'{log_file}: no training iteration logged')
    return float(times[-1])


def msrs_runs(args, deadline: float) -> Dict:
    env = dict(os.environ, MMUNIRGBIR_SHARED=args.data_root)
    if not osp.isdir(osp.join(args.data_root, 'data', 'msrs_dev')):
        raise FileNotFoundError(
            f'{args.data_root}/data/msrs_dev: no such folder (--data-root)')
    work = osp.join(args.work_dir, 'msrs')
    os.makedirs(work, exist_ok=True)
    conditions = ['clean'] if args.dry_run else [
        'clean', 'rgb_low_light', 'ir_noise', 'rgb_missing']
    # the dry run tests on 4 pairs
    options = ['test_dataloader.dataset.indices=4'] if args.dry_run else []
    out = {}
    if args.dry_run:
        per_iter, eval_s = 1.0, 0.
    else:  # one short run measures the speed and the evaluation's cost
        probe_dir = osp.join(work, 'probe')
        os.makedirs(probe_dir, exist_ok=True)
        start = time.time()
        proc = _check_run(MSRS_RUNS[0][1], MSRS_RUNS[0][2], 100, probe_dir,
                          ['clean'], env, options)
        proc.wait()
        probe_s = time.time() - start
        per_iter = _seconds_per_iter(osp.join(probe_dir, 'fused.log'))
        eval_s = max(probe_s - 100 * per_iter, 0)
        out['probe'] = dict(seconds=round(probe_s, 1),
                            seconds_per_iter=per_iter)
    # the runs share the device: assume it serialises them; a tenth of the
    # time left is a margin. As many seeds of every model as fit at
    # --iters; if not even one, fewer iterations.
    left = 0.9 * (deadline - time.time())
    run_eval = eval_s * len(conditions)
    iters = args.iters
    seeds = int(left // (len(MSRS_RUNS) * (iters * per_iter + run_eval)))
    if seeds < 1:
        iters = int((left / len(MSRS_RUNS) - run_eval) / per_iter)
        seeds = 1
    if args.dry_run:
        iters, seeds = 1, 1
    seeds = min(seeds, args.max_seeds)
    out.update(iters=iters, seeds=seeds)
    if iters < 50 and not args.dry_run:
        out['skipped'] = f'{left:.0f} s left: too little for a run'
        return out
    procs = []
    for seed in range(seeds):
        for name, config, variant in MSRS_RUNS:
            run_dir = osp.join(work, f'{name}_seed{seed}')
            os.makedirs(run_dir, exist_ok=True)
            procs.append((name, run_dir, _check_run(
                config, variant, iters, run_dir, conditions, env, options,
                seed)))
    for name, run_dir, proc in procs:
        code = proc.wait()
        results = osp.join(run_dir, 'results.jsonl')
        out.setdefault(name, []).append(dict(returncode=code, results=[
            json.loads(line) for line in open(results)
        ] if osp.isfile(results) else None))
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--dry-run', action='store_true',
                        help='the same code on the CPU at a tiny size')
    parser.add_argument('--out', default='work_dirs/gpu_check/report.json')
    parser.add_argument('--work-dir', default='work_dirs/gpu_check')
    parser.add_argument('--data-root', default=os.environ.get(
        'MMUNIRGBIR_SHARED', osp.join(REPO, '..', 'shared')),
        help='folder with data/msrs_dev and weights/ (../shared layout)')
    parser.add_argument('--budget-s', type=float, default=420,
                        help='seconds for the whole check')
    parser.add_argument('--iters', type=int, default=1800,
                        help='iterations of a msrs_dev run (the CPU recipe: '
                        '900)')
    parser.add_argument('--max-seeds', type=int, default=4)
    parser.add_argument('--only', nargs='+', choices=STEPS, default=STEPS,
                        help='run these steps only')
    args = parser.parse_args(argv)
    started = time.time()
    if args.dry_run:
        args.device, args.size, args.batch = 'cpu', (64, 96), 1
        args.warmup, args.timed_steps = 1, 1
    else:
        if not torch.cuda.is_available():
            parser.error('no CUDA device (use --dry-run on a CPU)')
        args.device, args.size, args.batch = 'cuda', (512, 640), 8
        args.warmup, args.timed_steps = 3, 10
    os.makedirs(args.work_dir, exist_ok=True)
    deadline = started + args.budget_s
    funcs: Dict[str, Callable] = dict(
        environment=environment, cuda_tests=cuda_tests, parity=parity,
        speed=speed, msrs_runs=lambda a: msrs_runs(a, deadline))
    report = dict(dry_run=args.dry_run)
    for name in args.only:
        start = time.time()
        try:
            report[name] = funcs[name](args)
        except Exception as e:  # recorded; the next step still runs
            report[name] = dict(error=f'{type(e).__name__}: {e}',
                                traceback=traceback.format_exc(limit=3))
        report[name]['seconds'] = round(time.time() - start, 1)
        print(f'[gpu_check] {name}: {report[name]["seconds"]} s', flush=True)
    report['seconds'] = round(time.time() - started, 1)
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(report, f, indent=1)
    print(json.dumps(report))
    return int(any('error' in report[s] for s in args.only))


if __name__ == '__main__':
    sys.exit(main())
