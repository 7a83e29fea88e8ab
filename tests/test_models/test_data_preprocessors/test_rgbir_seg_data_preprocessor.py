# Copyright (c) mmunirgbir contributors. All rights reserved.
import pytest
import torch
from mmengine.registry import MODELS
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

import mmunirgbir  # noqa: F401


def test_swap_normalise_and_pad_labels():
    pre = MODELS.build(
        dict(type='RGBIRSegDataPreprocessor', mean=[1., 2, 3, 4, 5, 6],
             std=[2.] * 6, size=(16, 16), seg_pad_val=255))
    img = torch.arange(6 * 10 * 12, dtype=torch.uint8).view(6, 10, 12) % 90
    sample = SegDataSample()
    sample.gt_sem_seg = PixelData(data=torch.ones(1, 10, 12,
                                                  dtype=torch.long))
    out = pre(dict(inputs=[img], data_samples=[sample]), training=True)
    x = out['inputs']
    assert x.shape == (1, 6, 16, 16)
    assert torch.allclose(x[0, 0, :10, :12], (img[2].float() - 1) / 2)
    assert torch.allclose(x[0, 3, :10, :12], (img[5].float() - 4) / 2)
    label = out['data_samples'][0].gt_sem_seg.data
    assert label.shape == (1, 16, 16) and (label[0, 10:] == 255).all()
    with pytest.raises(ValueError, match='6 channels'):
        pre(dict(inputs=[img[:3]], data_samples=[SegDataSample()]))
