# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Do the injectors look where the IR object moved? Measure their offsets.

Runs a trained model over (part of) its test set with the IR image shifted
by each of ``--shifts`` pixels (``ir_shift_<k>``, to the right) and records,
for every injector, the attention-weighted mean sampling offset of its
deformable attention (:meth:`ValueMapDeformableAttention.mean_sampling_offset`)
in pixels of the model's input, over all tokens and over the tokens inside
ground-truth boxes. If the injectors followed a shift of k pixels their
mean x offset would grow by k (times the test resize); ``follow`` is that
growth divided by the shift. A model with the feature pool's alignment step
(``alignment_cfg``) gets one more row, ``alignment``: the mean IR shift that
step estimated and applied, in the same pixels::

    python tools/analysis_tools/injector_offsets.py CONFIG CHECKPOINT \\
        [--shifts 0 4 8 16] [--num-images 32]
"""
import argparse
import json
from typing import Dict, List, Sequence

import torch
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

import mmunirgbir  # noqa: F401  (registers the RGB-IR modules)
from mmunirgbir.evaluation import with_condition


class OffsetRecorder:
    """Forward hooks on every injector's attention: sums of mean offsets
    (pixels of the input) over all tokens and over tokens in boxes."""

    def __init__(self, backbone) -> None:
        self.backbone = backbone
        self.boxes: List[torch.Tensor] = []
        self.hw = None
        self.sums = [dict(all=torch.zeros(2), boxes=torch.zeros(2), n_all=0,
                          n_boxes=0) for _ in backbone.injectors]
        self.handles = [backbone.register_forward_pre_hook(self._input)] + [
            inj.attn.register_forward_hook(self._make_hook(i))
            for i, inj in enumerate(backbone.injectors)
        ]
        self.alignment = None
        if backbone.mfp.alignment is not None:
            self.alignment = dict(sum=torch.zeros(2), n=0)
            self.handles.append(
                backbone.mfp.register_forward_hook(self._pool_shift))

    def _pool_shift(self, module, args, pool):
        """The shift the alignment step applied to every image's IR."""
        self.alignment['sum'] += pool.ir_shift.detach().cpu().sum(0)
        self.alignment['n'] += pool.ir_shift.shape[0]

    def _input(self, module, args):
        self.hw = args[0].shape[-2:]

    def _make_hook(self, index: int):
        def hook(attn, args, output):
            query, _, value_maps = args[:3]
            with torch.no_grad():
                frac = attn.mean_sampling_offset(query, value_maps)
            h, w = self.hw
            p = self.backbone.patch_size
            gh, gw = -(-h // p), -(-w // p)
            px = frac.cpu() * torch.tensor([gw * p, gh * p],
                                           dtype=torch.float32)
            if px.shape[0] != len(self.boxes):  # 'both': two streams
                px = px.view(-1, len(self.boxes), *px.shape[1:]).mean(0)
            stats = self.sums[index]
            stats['all'] += px.sum((0, 1))
            stats['n_all'] += px.shape[0] * px.shape[1]
            ys = (torch.arange(gh) + 0.5) * p
            xs = (torch.arange(gw) + 0.5) * p
            cy, cx = torch.meshgrid(ys, xs, indexing='ij')
            centres = torch.stack([cx.flatten(), cy.flatten()], -1)
            for b, boxes in enumerate(self.boxes):
                if not len(boxes):
                    continue
                inside = ((centres[:, None, 0] >= boxes[None, :, 0]) &
                          (centres[:, None, 0] <= boxes[None, :, 2]) &
                          (centres[:, None, 1] >= boxes[None, :, 1]) &
                          (centres[:, None, 1] <= boxes[None, :, 3])).any(1)
                stats['boxes'] += px[b, inside].sum(0)
                stats['n_boxes'] += int(inside.sum())
        return hook

    def means(self) -> List[Dict[str, List[float]]]:
        """Per injector (then the alignment step, if any) the mean offset
        over all tokens and over tokens in boxes (the alignment: its one
        shift per image, in both)."""
        rows = [
            dict(name=str(i + 1),
                 all=(s['all'] / max(s['n_all'], 1)).tolist(),
                 boxes=(s['boxes'] / max(s['n_boxes'], 1)).tolist())
            for i, s in enumerate(self.sums)
        ]
        if self.alignment is not None:
            mean = (self.alignment['sum'] /
                    max(self.alignment['n'], 1)).tolist()
            rows.append(dict(name='alignment', all=mean, boxes=mean))
        return rows

    def remove(self) -> None:
        for h in self.handles:
            h.remove()


def measure(config: str, checkpoint: str, shifts: Sequence[int],
            num_images: int = 32, cfg_options=None) -> Dict[int, list]:
    """Mean offsets of every injector under each IR shift."""
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    cfg.load_from = checkpoint
    cfg.work_dir = cfg.get('work_dir') or 'work_dirs/injector_offsets'
    runner = Runner.from_cfg(cfg)
    runner.load_or_resume()
    model = runner.model.eval()
    results = {}
    for shift in shifts:
        loader_cfg = dict(
            cfg.test_dataloader,
            dataset=with_condition(cfg.test_dataloader.dataset,
                                   f'ir_shift_{shift}'))
        loader = Runner.build_dataloader(loader_cfg)
        recorder = OffsetRecorder(model.backbone)
        seen = 0
        for data in loader:
            data = model.data_preprocessor(data, False)
            recorder.boxes = [
                s.gt_instances.bboxes.cpu() if 'gt_instances' in s else
                torch.zeros(0, 4) for s in data['data_samples']
            ]
            with torch.no_grad():
                model.backbone(data['inputs'])
            seen += len(data['data_samples'])
            if seen >= num_images:
                break
        recorder.remove()
        results[shift] = recorder.means()
    return results


def follow_table(results: Dict[int, list]) -> str:
    """Mean x offset per injector (and alignment step) and shift, and how
    much of the shift it follows (inside boxes)."""
    shifts = sorted(results)
    base = results[shifts[0]]
    lines = ['| injector | ' + ' | '.join(
        f'dx @ {s} px (all / boxes)' for s in shifts) + ' | follow |',
        '|---|' + '---|' * (len(shifts) + 1)]
    for i in range(len(base)):
        cells = [f'{results[s][i]["all"][0]:.2f} / '
                 f'{results[s][i]["boxes"][0]:.2f}' for s in shifts]
        far = shifts[-1]
        follow = ((results[far][i]['boxes'][0] - base[i]['boxes'][0]) /
                  (far - shifts[0])) if far != shifts[0] else float('nan')
        lines.append(f'| {base[i]["name"]} | ' + ' | '.join(cells) +
                     f' | {follow:.2f} |')
    return '\n'.join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Where do the injectors look when IR is shifted?")
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--shifts', nargs='+', type=int, default=[0, 4, 8,
                                                                  16])
    parser.add_argument('--num-images', type=int, default=32)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args()
    results = measure(args.config, args.checkpoint, args.shifts,
                      args.num_images, args.cfg_options)
    print(follow_table(results))
    print(json.dumps({str(k): v for k, v in results.items()}))


if __name__ == '__main__':
    main()
