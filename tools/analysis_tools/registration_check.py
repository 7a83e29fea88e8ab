# Copyright (c) mmunirgbir contributors. All rights reserved.
"""How well are the RGB and IR images of a data set registered?

Estimates each pair's translation between the two cameras with the model's
own estimator, :class:`~mmunirgbir.models.layers.ModalityAlignment` (the
alignment at inference): a normalised correlation of the two images' edge
maps at every displacement, here at half resolution and up to
``--max-shift`` px each way. Edges are what visible and thermal images
share, their intensities are not. The offset is the IR image's content
position minus the RGB image's: ``(+8, 0)`` means the IR image shows the
scene 8 px further right.

Pairs come from a config's data set (its test set by default) or from two
folders, paired by file name. Pairs without enough texture, or whose
edge correlation at the best displacement is too weak to trust, are reported as "no estimate" (never
as 0). Prints the median / p90 / max |shift|, the worst pairs, writes
``OUT/shifts.json`` and a histogram ``OUT/shift_histogram.png``; the last
line printed is one JSON object with ``median_shift_px`` = [dx, dy]::

    python tools/analysis_tools/registration_check.py CONFIG [--split train]
    python tools/analysis_tools/registration_check.py --rgb DIR --ir DIR \\
        --out-dir OUT
"""
import argparse
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch

#: below this standard deviation an image is flat (0-1 intensities)
MIN_TEXTURE = 1e-3
#: edge correlations below this are not trusted: of the 55 msrs_dev val
#: pairs 82 % reach it, of the same RGB images matched with another pair's
#: IR image 9 % (none reach 0.2, which 65 % of the true pairs do)
MIN_RESPONSE = 0.15
#: the search: images pooled by POOL, displacements up to MAX_SHIFT px
POOL, MAX_SHIFT = 2, 32
IMAGE_EXTS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff')


def read_grey(path: str) -> np.ndarray:
    """An image as float32 grey in [0, 1] (8- or 16-bit, 1-4 channels)."""
    img = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if img is None:
        raise ValueError(f'{path}: not a readable image')
    if img.ndim == 3:
        img = cv2.cvtColor(img[..., :3], cv2.COLOR_BGR2GRAY)
    img = img.astype(np.float32)
    lo, hi = float(img.min()), float(img.max())
    return (img - lo) / (hi - lo) if hi > lo else img * 0


def make_estimator(max_shift: int = MAX_SHIFT):
    """The model's alignment estimator (a ``ModalityAlignment``), searching
    ``max_shift`` px each way at half resolution, every estimate kept (no
    minimum shift)."""
    from mmunirgbir.models.layers import ModalityAlignment
    return ModalityAlignment(
        max_displacement=-(-max_shift // POOL), pool=POOL, min_shift=0).eval()


def estimate_shift(rgb: np.ndarray, ir: np.ndarray,
                   min_response: float = MIN_RESPONSE,
                   estimator=None
                   ) -> Tuple[Optional[Tuple[float, float]], float, str]:
    """The IR image's offset against the RGB image.

    Args:
        rgb (ndarray): Grey RGB image, float32 (H, W), 0-1.
        ir (ndarray): Grey IR image of the same size.
        min_response (float): Weakest trusted edge correlation.
        estimator (ModalityAlignment, optional): Defaults to
            :func:`make_estimator`'s.

    Returns:
        tuple: ``((dx, dy) or None, response, reason)``; reason is '' for
        an estimate, else why there is none.
    """
    if rgb.shape != ir.shape:
        raise ValueError(f'RGB {rgb.shape} and IR {ir.shape} differ in size')
    if rgb.std() < MIN_TEXTURE or ir.std() < MIN_TEXTURE:
        return None, 0.0, 'flat image'
    estimator = estimator or make_estimator()
    # + 1: no pixel is 0, which the estimator takes for batch padding
    a, b = (torch.from_numpy(np.ascontiguousarray(x, np.float32))[None, None]
            + 1 for x in (rgb, ir))
    with torch.no_grad():
        shift, response = estimator.match(a, b)
    response = float(response[0])
    if response < min_response:
        return None, response, f'weak peak ({response:.3f})'
    return (float(shift[0, 0]), float(shift[0, 1])), response, ''


def pairs_from_folders(rgb_dir: str, ir_dir: str) -> List[Tuple[str, str]]:
    """(rgb, ir) paths with the same file stem; a stem in one folder only
    is an error that names it."""
    def stems(folder):
        if not osp.isdir(folder):
            raise FileNotFoundError(f'{folder}: no such folder')
        return {
            osp.splitext(n)[0]: osp.join(folder, n)
            for n in sorted(os.listdir(folder))
            if n.lower().endswith(IMAGE_EXTS)
        }
    rgb, ir = stems(rgb_dir), stems(ir_dir)
    unpaired = sorted(set(rgb) ^ set(ir))
    if unpaired:
        raise ValueError(f'{len(unpaired)} images without a partner, e.g. '
                         f'{unpaired[:5]} (in {rgb_dir} or {ir_dir})')
    if not rgb:
        raise ValueError(f'no images in {rgb_dir}')
    return [(rgb[s], ir[s]) for s in sorted(rgb)]


def pairs_from_config(config: str, split: str = 'test',
                      cfg_options: Optional[dict] = None
                      ) -> List[Tuple[str, str]]:
    """(rgb, ir) paths of a config's ``{split}_dataloader`` data set."""
    from mmengine.config import Config
    from mmengine.registry import DATASETS, init_default_scope

    import mmunirgbir  # noqa: F401  (registers the RGB-IR data sets)
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    dataset_cfg = dict(cfg[f'{split}_dataloader'].dataset)
    dataset_cfg['pipeline'] = []
    dataset = DATASETS.build(dataset_cfg)
    pairs = []
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        if not info.get('ir_path'):
            raise ValueError(f'{info.get("img_path")}: the data set gives '
                             'no ir_path')
        pairs.append((info['img_path'], info['ir_path']))
    return pairs


def check_pairs(pairs: Sequence[Tuple[str, str]],
                min_response: float = MIN_RESPONSE,
                max_shift: int = MAX_SHIFT) -> List[Dict]:
    """One row per pair: names, ``shift`` [dx, dy] or None, ``response``,
    ``reason`` (why there is no estimate)."""
    estimator = make_estimator(max_shift)
    rows = []
    for rgb_path, ir_path in pairs:
        rgb, ir = read_grey(rgb_path), read_grey(ir_path)
        if rgb.shape != ir.shape:
            raise ValueError(f'{rgb_path} is {rgb.shape[1]}x{rgb.shape[0]}, '
                             f'{ir_path} is {ir.shape[1]}x{ir.shape[0]}: '
                             'resize one of them first')
        shift, response, reason = estimate_shift(rgb, ir, min_response,
                                                 estimator)
        rows.append(
            dict(
                rgb=rgb_path,
                ir=ir_path,
                shift=[round(v, 2) for v in shift] if shift else None,
                response=round(response, 4),
                reason=reason))
    return rows


def summary(rows: List[Dict]) -> Dict:
    """Median / p90 / max of |shift| and the median (dx, dy)."""
    shifts = np.array([r['shift'] for r in rows if r['shift'] is not None],
                      dtype=np.float64).reshape(-1, 2)
    out = dict(pairs=len(rows), estimated=len(shifts),
               no_estimate=len(rows) - len(shifts))
    if len(shifts):
        norm = np.hypot(shifts[:, 0], shifts[:, 1])
        out.update(
            median_shift_px=[round(float(v), 2)
                             for v in np.median(shifts, 0)],
            median_abs_shift_px=round(float(np.median(norm)), 2),
            p90_abs_shift_px=round(float(np.percentile(norm, 90)), 2),
            max_abs_shift_px=round(float(norm.max()), 2))
    else:
        out['median_shift_px'] = None
    return out


def plot_histogram(rows: List[Dict], path: str) -> None:
    """Histogram of |shift| in pixels."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    norm = [float(np.hypot(*r['shift'])) for r in rows if r['shift']]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.hist(norm, bins=max(10, min(50, len(norm) // 4 or 1)),
            color='tab:blue')
    ax.set_xlabel('|IR - RGB shift| (pixels)')
    ax.set_ylabel('pairs')
    missing = sum(r['shift'] is None for r in rows)
    ax.set_title(f'{len(norm)} pairs estimated, {missing} without estimate')
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main() -> None:
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(
        description='Estimate the RGB-IR offset of every pair of a data set.')
    parser.add_argument('config', nargs='?', help='config whose data set to '
                        'check (or give --rgb and --ir)')
    parser.add_argument('--split', choices=['train', 'val', 'test'],
                        default='test', help="the config's data set")
    parser.add_argument('--rgb', help='folder of RGB images')
    parser.add_argument('--ir', help='folder of IR images (same file stems)')
    parser.add_argument('--out-dir', default='work_dirs/registration')
    parser.add_argument('--worst', type=int, default=10,
                        help='how many of the worst pairs to list')
    parser.add_argument('--min-response', type=float, default=MIN_RESPONSE,
                        help='weakest trusted edge correlation')
    parser.add_argument('--max-shift', type=int, default=MAX_SHIFT,
                        help='largest offset searched, pixels each way')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args()
    try:
        if args.config and not (args.rgb or args.ir):
            pairs = pairs_from_config(args.config, args.split,
                                      args.cfg_options)
        elif args.rgb and args.ir and not args.config:
            pairs = pairs_from_folders(args.rgb, args.ir)
        else:
            parser.error('give a config, or --rgb DIR and --ir DIR')
        rows = check_pairs(pairs, args.min_response, args.max_shift)
    except (ValueError, FileNotFoundError) as e:
        parser.exit(1, f'{parser.prog}: error: {e}\n')
    os.makedirs(args.out_dir, exist_ok=True)
    result = summary(rows)
    with open(osp.join(args.out_dir, 'shifts.json'), 'w') as f:
        json.dump(dict(summary=result, pairs=rows), f, indent=1)
    plot_histogram(rows, osp.join(args.out_dir, 'shift_histogram.png'))
    print(f'{result["pairs"]} pairs: {result["estimated"]} estimated, '
          f'{result["no_estimate"]} without estimate')
    if result['estimated']:
        print(f'|shift| median {result["median_abs_shift_px"]} px, p90 '
              f'{result["p90_abs_shift_px"]} px, max '
              f'{result["max_abs_shift_px"]} px; median (dx, dy) '
              f'{result["median_shift_px"]}')
        worst = sorted((r for r in rows if r['shift']),
                       key=lambda r: -np.hypot(*r['shift']))[:args.worst]
        print('worst pairs:')
        for r in worst:
            print(f'  {osp.basename(r["rgb"])}: shift {r["shift"]} px '
                  f'(peak {r["response"]})')
    for r in rows:
        if r['shift'] is None:
            print(f'  {osp.basename(r["rgb"])}: no estimate ({r["reason"]})')
    print(f'histogram: {osp.join(args.out_dir, "shift_histogram.png")}')
    print(json.dumps(result))


if __name__ == '__main__':
    main()
