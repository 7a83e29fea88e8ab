# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Detection visualiser that shows both modalities: RGB | IR | predictions."""
from typing import Optional

import mmcv
import numpy as np
from mmdet.structures import DetDataSample
from mmdet.structures.bbox import BaseBoxes
from mmdet.visualization import DetLocalVisualizer
from mmengine import fileio
from mmengine.registry import VISUALIZERS


def read_ir_like(data_sample, shape) -> Optional[np.ndarray]:
    """Read the sample's IR image (``ir_path`` meta) as RGB of ``shape``.

    Returns None when the sample has no ``ir_path``.
    """
    ir_path = data_sample.metainfo.get('ir_path')
    if ir_path is None:
        return None
    ir = mmcv.imfrombytes(fileio.get(ir_path), flag='grayscale')
    if ir is None:
        raise OSError(f'IR image could not be decoded: {ir_path}')
    if ir.shape[:2] != tuple(shape[:2]):
        ir = mmcv.imresize(ir, (shape[1], shape[0]))
    return np.repeat(ir[..., None], 3, axis=2)


def output_panels(visualizer, name: str, panels, show: bool,
                  wait_time: float, out_file: Optional[str],
                  step: int) -> np.ndarray:
    """Concatenate RGB panels side by side and show / save / log them."""
    drawn = np.concatenate(panels, axis=1)
    if show:
        visualizer.show(drawn, win_name=name, wait_time=wait_time)
    if out_file is not None:
        mmcv.imwrite(drawn[..., ::-1], out_file)
    else:
        visualizer.add_image(name, drawn, step)
    return drawn


@VISUALIZERS.register_module()
class RGBIRDetLocalVisualizer(DetLocalVisualizer):
    """:class:`DetLocalVisualizer` for RGB-IR pairs.

    Draws three panels side by side: the RGB image with the ground truth
    (when present), the IR image, and the predictions (scores >=
    ``pred_score_thr``) on an RGB/IR blend. ``add_datasample`` (what mmdet's
    visualisation hook calls with the RGB image) reads the IR partner from
    the sample's ``ir_path``; :meth:`draw_rgbir` takes both images, e.g.
    after augmentation. Without ``ir_path`` it behaves like mmdet's.
    """

    def draw_rgbir(self,
                   rgb: np.ndarray,
                   ir: np.ndarray,
                   data_sample: DetDataSample,
                   draw_gt: bool = True,
                   draw_pred: bool = True,
                   pred_score_thr: float = 0.3) -> list:
        """Return the three RGB uint8 panels."""
        rgb = rgb.clip(0, 255).astype(np.uint8)
        ir = ir.clip(0, 255).astype(np.uint8)
        classes = self.dataset_meta.get('classes', None)
        palette = self.dataset_meta.get('palette', None)
        left = rgb
        if draw_gt and 'gt_instances' in data_sample:
            gt = data_sample.gt_instances.clone()
            if isinstance(gt.bboxes, BaseBoxes):  # boxes from a pipeline
                gt.bboxes = gt.bboxes.tensor
            left = self._draw_instances(rgb, gt, classes, palette)
        right = ((rgb.astype(np.float32) + ir) / 2).astype(np.uint8)
        if draw_pred and 'pred_instances' in data_sample:
            pred = data_sample.pred_instances
            pred = pred[pred.scores > pred_score_thr].cpu()
            right = self._draw_instances(right, pred, classes, palette)
        return [left, ir, right]

    def add_datasample(self,
                       name: str,
                       image: np.ndarray,
                       data_sample: Optional[DetDataSample] = None,
                       draw_gt: bool = True,
                       draw_pred: bool = True,
                       show: bool = False,
                       wait_time: float = 0,
                       out_file: Optional[str] = None,
                       pred_score_thr: float = 0.3,
                       step: int = 0) -> None:
        ir = None if data_sample is None else read_ir_like(
            data_sample, image.shape)
        if ir is None:
            return super().add_datasample(name, image, data_sample, draw_gt,
                                          draw_pred, show, wait_time,
                                          out_file, pred_score_thr, step)
        panels = self.draw_rgbir(image, ir, data_sample, draw_gt, draw_pred,
                                 pred_score_thr)
        output_panels(self, name, panels, show, wait_time, out_file, step)
