# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Segmentation / SOD visualiser that shows both modalities."""
from typing import Optional

import numpy as np
from mmengine.registry import VISUALIZERS
from mmseg.structures import SegDataSample
from mmseg.visualization import SegLocalVisualizer

from .rgbir_det_local_visualizer import output_panels, read_ir_like


@VISUALIZERS.register_module()
class RGBIRSegLocalVisualizer(SegLocalVisualizer):
    """:class:`SegLocalVisualizer` for RGB-IR pairs: RGB | IR | result.

    The first panel is the RGB image with the ground-truth overlay (when
    present), the second the IR image, the third the prediction: a colour
    overlay for semantic segmentation, the grey saliency map for 1-channel
    (SOD) models. ``add_datasample`` (mmseg's visualisation hook) reads the
    IR partner from ``ir_path``; :meth:`draw_rgbir` takes both images.
    """

    def draw_rgbir(self,
                   rgb: np.ndarray,
                   ir: np.ndarray,
                   data_sample: SegDataSample,
                   draw_gt: bool = True,
                   draw_pred: bool = True) -> list:
        """Return the three RGB uint8 panels."""
        rgb = rgb.clip(0, 255).astype(np.uint8)
        ir = ir.clip(0, 255).astype(np.uint8)
        classes = self.dataset_meta.get('classes', None)
        palette = self.dataset_meta.get('palette', None)
        left = rgb
        if draw_gt and 'gt_sem_seg' in data_sample:
            left = self._draw_sem_seg(rgb, data_sample.gt_sem_seg, classes,
                                      palette, False)
        right = rgb
        if draw_pred and 'seg_logits' in data_sample and \
                data_sample.seg_logits.data.shape[0] == 1:
            prob = data_sample.seg_logits.data[0].float().cpu().numpy()
            right = np.repeat(
                (prob.clip(0, 1) * 255).astype(np.uint8)[..., None], 3, 2)
        elif draw_pred and 'pred_sem_seg' in data_sample:
            right = self._draw_sem_seg(rgb, data_sample.pred_sem_seg,
                                       classes, palette, False)
        return [left, ir, right]

    def add_datasample(self,
                       name: str,
                       image: np.ndarray,
                       data_sample: Optional[SegDataSample] = None,
                       draw_gt: bool = True,
                       draw_pred: bool = True,
                       show: bool = False,
                       wait_time: float = 0,
                       out_file: Optional[str] = None,
                       step: int = 0,
                       with_labels: Optional[bool] = True) -> None:
        ir = None if data_sample is None else read_ir_like(
            data_sample, image.shape)
        if ir is None:
            return super().add_datasample(name, image, data_sample, draw_gt,
                                          draw_pred, show, wait_time,
                                          out_file, step, with_labels)
        panels = self.draw_rgbir(image, ir, data_sample, draw_gt, draw_pred)
        output_panels(self, name, panels, show, wait_time, out_file, step)
