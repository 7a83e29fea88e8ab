# Copyright (c) mmunirgbir contributors. All rights reserved.
import pytest
import torch
from mmdet.structures import DetDataSample
from mmengine.registry import MODELS, DefaultScope

import mmunirgbir  # noqa: F401

MEAN = [1., 2., 3., 4., 5., 6.]
STD = [2.] * 6


def _data(channels=6, shapes=((6, 10, 12), (6, 8, 9))):
    inputs = [
        torch.arange(c * h * w, dtype=torch.uint8).view(c, h, w) % 50 + i
        for i, (c, h, w) in enumerate((channels, ) + s[1:] for s in shapes)
    ]
    return dict(inputs=inputs, data_samples=[DetDataSample() for _ in inputs])


def test_per_modality_swap_and_normalisation():
    pre = MODELS.build(
        dict(type='RGBIRDetDataPreprocessor', mean=MEAN, std=STD,
             pad_size_divisor=16))
    data = _data()
    out = pre(data, training=False)
    x = out['inputs']
    assert x.shape == (2, 6, 16, 16)
    raw = data['inputs'][0].float()
    for dst, src in enumerate([2, 1, 0, 5, 4, 3]):
        expected = (raw[src] - MEAN[dst]) / STD[dst]
        assert torch.allclose(x[0, dst, :10, :12], expected)
    assert torch.all(x[0, :, 10:, :] == 0)  # padded after normalisation
    no_swap = MODELS.build(
        dict(type='RGBIRDetDataPreprocessor', mean=MEAN, std=STD,
             bgr_to_rgb=False))(_data(), training=False)['inputs']
    assert torch.allclose(no_swap[0, 0, :10, :12], (raw[0] - 1) / 2)


def test_batch_fixed_size_pad_keeps_six_channels():
    # mmdet's batch augments resolve in mmdet's scope (another test's
    # runner may have left mmengine's as the default)
    with DefaultScope.overwrite_default_scope('mmdet'):
        pre = MODELS.build(
            dict(type='RGBIRDetDataPreprocessor', mean=MEAN, std=STD,
                 batch_augments=[
                     dict(type='BatchFixedSizePad', size=(32, 32))
                 ]))
    data = _data()
    for s in data['data_samples']:
        s.set_metainfo(dict(img_shape=(10, 12)))
    assert pre(data, training=True)['inputs'].shape == (2, 6, 32, 32)


def test_rejects_wrong_channels_and_stats():
    pre = MODELS.build(
        dict(type='RGBIRDetDataPreprocessor', mean=MEAN, std=STD))
    with pytest.raises(ValueError, match='6 channels'):
        pre(_data(channels=3, shapes=((3, 10, 12), )), training=False)
    with pytest.raises(ValueError, match='mean must have 6 values'):
        MODELS.build(
            dict(type='RGBIRDetDataPreprocessor', mean=MEAN[:3], std=STD))


@pytest.mark.parametrize('kind', ['RGBIRDetDataPreprocessor',
                                  'RGBIRSegDataPreprocessor'])
@pytest.mark.parametrize('bad', [0.0, -1.0, float('nan')])
def test_unusable_std_is_refused(kind, bad):
    """A zero std divided the inputs into Inf / NaN without a word."""
    std = [58.4, 57.1, 57.4, bad, 57.6, 57.6]
    with pytest.raises(ValueError, match='std must be positive and finite'):
        MODELS.build(dict(type=kind, mean=[0.0] * 6, std=std))
