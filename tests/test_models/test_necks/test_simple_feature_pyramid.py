# Copyright (c) mmunirgbir contributors. All rights reserved.
import pytest
import torch
from mmcv.ops import RoIAlign
from mmengine.registry import MODELS

import mmunirgbir  # noqa: F401


def test_strides_and_channels():
    neck = MODELS.build(
        dict(type='SimpleFeaturePyramid', in_channels=32, out_channels=16,
             scale_factors=(4.0, 2.0, 1.0, 0.5), num_outs=5))
    outs = neck((torch.randn(2, 32, 6, 8), ))
    assert [tuple(o.shape[-2:]) for o in outs] == [(24, 32), (12, 16),
                                                  (6, 8), (3, 4), (2, 2)]
    assert all(o.shape[:2] == (2, 16) for o in outs)
    with pytest.raises(ValueError, match='unsupported scale'):
        MODELS.build(dict(type='SimpleFeaturePyramid', scale_factors=(3, )))


def test_outputs_feed_mmcv_roi_align():
    """mmcv's compiled RoIAlign reads raw NCHW memory and ignores strides.

    The pyramid ends each stage with LN2d, which returned a permuted
    (NHWC-memory) view; RoIAlign read it as scrambled features, so the RoI
    heads of every two-stage detector trained on noise.
    """
    torch.manual_seed(0)
    neck = MODELS.build(
        dict(type='SimpleFeaturePyramid', in_channels=32, out_channels=16,
             scale_factors=(4.0, 1.0), num_outs=2))
    outs = neck((torch.randn(1, 32, 8, 10), ))
    roi_align = RoIAlign((7, 7), spatial_scale=1 / 4, sampling_ratio=0)
    rois = torch.tensor([[0., 8., 4., 60., 40.], [0., 30., 10., 90., 70.]])
    for out in outs:
        assert out.is_contiguous()
        torch.testing.assert_close(
            roi_align(out, rois), roi_align(out.contiguous(), rois))
    ln = MODELS.build(dict(type='LN2d', num_channels=16))
    assert ln(torch.randn(1, 16, 5, 7)).is_contiguous()
