# Copyright (c) mmunirgbir contributors. All rights reserved.
"""RoI features that export as ONNX's own ``RoiAlign``."""
from typing import Sequence

import torch
import torch.nn as nn
from torchvision.ops import roi_align as torchvision_roi_align


def exportable_roi_align(feature: torch.Tensor, boxes: torch.Tensor,
                         batch_index: torch.Tensor, output_size: int,
                         spatial_scale: float, sampling_ratio: int,
                         aligned: bool) -> torch.Tensor:
    """Average RoIAlign, as mmcv's ``RoIAlign`` (``pool_mode='avg'``).

    In eager mode this runs torchvision's ``roi_align`` (the same sampling
    as mmcv's); during ``torch.onnx.export(..., dynamo=True)`` it becomes
    one ONNX ``RoiAlign`` node (opset 16), ``half_pixel`` for
    ``aligned=True`` and ``output_half_pixel`` otherwise.

    Args:
        feature (Tensor): (B, C, H, W) feature map.
        boxes (Tensor): (N, 4) boxes in input pixels, x1 y1 x2 y2.
        batch_index (Tensor): (N, ) int64 image of each box.
        output_size (int): Output height and width.
        spatial_scale (float): Feature pixels per input pixel.
        sampling_ratio (int): Samples per bin side; 0: adaptive.
        aligned (bool): mmcv's ``aligned`` (shift by half a pixel).

    Returns:
        Tensor: (N, C, output_size, output_size).
    """
    if torch.onnx.is_in_onnx_export():
        return torch.onnx.ops.symbolic(
            'RoiAlign', [feature, boxes, batch_index],
            attrs=dict(
                coordinate_transformation_mode='half_pixel'
                if aligned else 'output_half_pixel',
                mode='avg',
                output_height=output_size,
                output_width=output_size,
                sampling_ratio=sampling_ratio,
                spatial_scale=spatial_scale),
            dtype=feature.dtype,
            shape=[boxes.shape[0], feature.shape[1], output_size,
                   output_size],
            version=16)
    rois = torch.cat([batch_index[:, None].to(boxes), boxes], 1)
    return torchvision_roi_align(feature, rois, output_size, spatial_scale,
                                 sampling_ratio, aligned)


def check_roi_extractor(extractor: nn.Module, where: str) -> None:
    """Raise ``TypeError`` unless :func:`multi_level_roi_features` can
    stand in for ``extractor`` (mmdet's ``SingleRoIExtractor`` over mmcv
    ``RoIAlign`` layers, average pooling)."""
    if type(extractor).__name__ != 'SingleRoIExtractor':
        raise TypeError(f'{where}: {type(extractor).__name__} is not '
                        'exported; only SingleRoIExtractor is')
    for layer in extractor.roi_layers:
        if type(layer).__name__ != 'RoIAlign' or getattr(
                layer, 'pool_mode', 'avg') != 'avg':
            raise TypeError(f'{where}: RoI layer {layer!r} is not exported; '
                            "only mmcv RoIAlign with pool_mode='avg' is")


def multi_level_roi_features(extractor: nn.Module,
                             feats: Sequence[torch.Tensor],
                             rois: torch.Tensor) -> torch.Tensor:
    """mmdet's ``SingleRoIExtractor.forward`` in a traceable form.

    Each RoI is pooled from the level that the extractor's own
    ``map_roi_levels`` picks, as mmdet does. mmdet gathers each level's
    RoIs by a data-dependent index; here every level pools every RoI, with
    the RoIs of other levels replaced by a 1-pixel box (one sample per bin;
    a zero-size box is NaN in OpenVINO's ``ROIAlign``), and a mask keeps
    the right level's features.

    Args:
        extractor (nn.Module): The model's ``SingleRoIExtractor``.
        feats (Sequence[Tensor]): Its input levels.
        rois (Tensor): (N, 5) RoIs, batch index then x1 y1 x2 y2.

    Returns:
        Tensor: (N, C, S, S) RoI features.
    """
    feats = feats[:extractor.num_inputs]
    boxes, index = rois[:, 1:], rois[:, 0].long()
    if len(feats) == 1:
        levels = torch.zeros_like(index)
    else:
        levels = extractor.map_roi_levels(rois, len(feats))
    spare = boxes.new_tensor([0., 0., 1., 1.]).expand_as(boxes)
    out = None
    for level, (feat, layer) in enumerate(zip(feats,
                                              extractor.roi_layers)):
        here = (levels == level)[:, None]
        size = layer.output_size
        size = size[0] if isinstance(size, (tuple, list)) else size
        pooled = exportable_roi_align(
            feat, torch.where(here, boxes, spare), index, int(size),
            float(layer.spatial_scale), int(layer.sampling_ratio),
            bool(layer.aligned))
        pooled = torch.where(here[:, :, None, None], pooled,
                             torch.zeros_like(pooled))
        out = pooled if out is None else out + pooled
    return out
