# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Salient object detection metrics (S, F, E-measure, MAE)."""
import os
import os.path as osp
import warnings
from collections import OrderedDict, defaultdict
from typing import Dict, List, Optional, Sequence

import mmcv
import numpy as np
import py_sod_metrics
import torch
import torch.nn.functional as F
from mmengine.evaluator import BaseMetric
from mmengine.registry import METRICS


@METRICS.register_module()
class SaliencyMetric(BaseMetric):
    """S-measure, max/mean/adaptive F- and E-measure and MAE.

    The prediction (the sigmoid saliency map of a 1-channel mmseg head, in
    ``seg_logits``) is resized to the ground truth file's original size,
    quantised to 8 bits like a saved PNG, and scored against the ground
    truth read from ``seg_map_path`` (foreground > 128). The measures are
    computed per image by ``pysodmetrics`` (the implementation of the
    standard SOD toolboxes) and averaged over the images of a data set.
    Results are reported per ``dataset_name`` meta key (e.g. VT5000 / VT821 /
    VT1000 in one test set), and overall when there is one dataset.

    Args:
        beta2 (float): F-measure beta^2. Defaults to 0.3.
        alpha (float): S-measure balance. Defaults to 0.5.
        output_dir (str, optional): Also save each prediction as a grey PNG
            at the ground truth's resolution, in
            ``output_dir/<dataset_name>/<image name>.png``.
        collect_device (str): Defaults to 'cpu'.
        prefix (str, optional): Metric-name prefix. Defaults to 'sod'.
    """
    default_prefix: Optional[str] = 'sod'

    def __init__(self,
                 beta2: float = 0.3,
                 alpha: float = 0.5,
                 output_dir: Optional[str] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.beta2 = beta2
        self.alpha = alpha
        self.output_dir = output_dir

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            gt_path = sample['seg_map_path']
            gt = mmcv.imread(gt_path, flag='grayscale')
            if gt is None:
                raise FileNotFoundError(f'saliency ground truth not found '
                                        f'or unreadable: {gt_path}')
            prob = sample['seg_logits']['data'].float()
            if prob.shape[0] != 1:
                raise ValueError('SaliencyMetric needs a 1-channel head '
                                 f'(out_channels=1), got {prob.shape[0]}')
            if tuple(prob.shape[-2:]) != gt.shape:
                prob = F.interpolate(
                    prob[None], size=gt.shape, mode='bilinear',
                    align_corners=False)[0]
            pred = (prob[0].clamp(0, 1) * 255).round().to(
                torch.uint8).cpu().numpy()
            name = sample.get('dataset_name', 'all')
            if self.output_dir is not None:
                folder = osp.join(self.output_dir, name)
                os.makedirs(folder, exist_ok=True)
                stem = osp.splitext(osp.basename(sample['img_path']))[0]
                mmcv.imwrite(pred, osp.join(folder, stem + '.png'))
            self.results.append(
                dict(dataset=name, **self.image_scores(pred, gt)))

    def image_scores(self, pred: np.ndarray, gt: np.ndarray) -> dict:
        """pysodmetrics' scores of one 8-bit prediction and ground truth."""
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')  # its deprecation notices
            measures = dict(
                fm=py_sod_metrics.Fmeasure(beta=self.beta2),
                em=py_sod_metrics.Emeasure(),
                sm=py_sod_metrics.Smeasure(alpha=self.alpha),
                mae=py_sod_metrics.MAE())
        for measure in measures.values():
            measure.step(pred, gt)
        fm, em = (measures[k].get_results()[k] for k in ('fm', 'em'))
        return dict(
            fm=fm['curve'],
            em=em['curve'],
            adp_f=float(fm['adp']),
            adp_e=float(em['adp']),
            sm=float(measures['sm'].get_results()['sm']),
            mae=float(measures['mae'].get_results()['mae']))

    @staticmethod
    def summarize(results: List[dict]) -> Dict[str, float]:
        """Dataset-level scores from per-image results."""
        fm = np.mean([r['fm'] for r in results], axis=0)
        em = np.mean([r['em'] for r in results], axis=0)
        return OrderedDict(
            Sm=float(np.mean([r['sm'] for r in results])),
            maxFm=float(fm.max()),
            meanFm=float(fm.mean()),
            adpFm=float(np.mean([r['adp_f'] for r in results])),
            maxEm=float(em.max()),
            meanEm=float(em.mean()),
            adpEm=float(np.mean([r['adp_e'] for r in results])),
            MAE=float(np.mean([r['mae'] for r in results])))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        groups = defaultdict(list)
        for r in results:
            groups[r['dataset']].append(r)
        if len(groups) == 1:
            return self.summarize(results)
        metrics = OrderedDict()
        for name, group in groups.items():
            for key, value in self.summarize(group).items():
                metrics[f'{name}/{key}'] = value
        return metrics
