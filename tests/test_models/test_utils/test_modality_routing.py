# Copyright (c) mmunirgbir contributors. All rights reserved.
"""One fused model serves RGB+IR, RGB-only and IR-only samples in a batch."""
import pytest
import torch
from mmdet.structures import DetDataSample
from mmengine.registry import MODELS

import mmunirgbir  # noqa: F401
from mmunirgbir.models.utils import route_missing_modality

from ..test_backbones.test_unirgbir_vit import tiny

MEAN = [123.675, 116.28, 103.53, 114.495, 114.495, 114.495]
STD = [58.395, 57.12, 57.375, 57.63, 57.63, 57.63]


def test_routing_per_sample_equals_the_single_modality_baselines():
    model = tiny().eval()
    torch.manual_seed(1)
    x = torch.randn(3, 6, 48, 64)
    with torch.no_grad():
        routed = model(x, missing_modality=[None, 'rgb', 'ir'])
        expected = []
        for i, modality in enumerate(('rgbir', 'ir', 'rgb')):
            model.modality = modality  # the baseline, same weights
            expected.append(model(x[i:i + 1]))
        model.modality = 'rgbir'
    for level, out in enumerate(routed):
        ref = torch.cat([e[level] for e in expected])
        torch.testing.assert_close(out, ref, rtol=1e-5, atol=1e-5)


def test_no_mask_leaves_outputs_bit_identical():
    model = tiny().eval()
    x = torch.randn(2, 6, 32, 48)
    with torch.no_grad():
        plain = model(x)
        for missing in (None, [None, None]):
            assert all(torch.equal(a, b) for a, b in zip(
                plain, model(x, missing_modality=missing)))
    assert route_missing_modality(x, None) is x
    assert route_missing_modality(x, [None, None]) is x


def test_missing_ir_feeds_rgb_to_both_halves():
    x = torch.randn(2, 6, 4, 4)
    out = route_missing_modality(x, ['ir', 'rgb'])
    assert torch.equal(out[0, :3], x[0, :3]) and torch.equal(out[0, 3:],
                                                             x[0, :3])
    assert torch.equal(out[1, :3], x[1, 3:]) and torch.equal(out[1, 3:],
                                                             x[1, 3:])


@pytest.mark.parametrize('bad, message', [
    (('rgb', 'ir'), 'misses both RGB and IR'),
    ('both', 'must be None, "rgb" or "ir"'),
    ('thermal', 'must be None, "rgb" or "ir"'),
])
def test_bad_flags_are_refused(bad, message):
    with pytest.raises(ValueError, match=message):
        route_missing_modality(torch.zeros(1, 6, 2, 2), [bad])


@pytest.mark.parametrize('kind', ['det', 'seg'])
def test_preprocessors_route_flagged_samples(kind):
    """Stock detectors call backbone(inputs): the preprocessor routes."""
    if kind == 'det':
        pre = MODELS.build(dict(type='RGBIRDetDataPreprocessor', mean=MEAN,
                                std=STD, pad_size_divisor=16))
        samples = [DetDataSample(metainfo=dict(img_shape=(16, 16))),
                   DetDataSample(metainfo=dict(img_shape=(16, 16),
                                               missing_modality='rgb'))]
    else:
        from mmseg.structures import SegDataSample
        pre = MODELS.build(dict(type='RGBIRSegDataPreprocessor', mean=MEAN,
                                std=STD, size=(16, 16)))
        samples = [SegDataSample(metainfo=dict(img_shape=(16, 16))),
                   SegDataSample(metainfo=dict(img_shape=(16, 16),
                                               missing_modality='rgb'))]
    imgs = [torch.randint(0, 255, (6, 16, 16), dtype=torch.uint8)
            for _ in range(2)]
    out = pre(dict(inputs=imgs, data_samples=samples))['inputs']
    assert not torch.equal(out[0, :3], out[0, 3:])  # untouched
    assert torch.equal(out[1, :3], out[1, 3:])  # IR in the RGB half
    samples[0].set_metainfo(dict(missing_modality='ir'))
    samples[1].set_metainfo(dict(missing_modality=('rgb', 'ir')))
    with pytest.raises(ValueError, match='misses both'):
        pre(dict(inputs=imgs, data_samples=samples))


def test_unrouted_modality_keeps_its_blank_image():
    x = torch.randn(3, 6, 4, 4)
    out = route_missing_modality(x, ['rgb', 'ir', None], routed=('ir', ))
    assert torch.equal(out[0], x[0])  # RGB missing, not routed: as it was
    assert torch.equal(out[1, 3:], x[1, :3])  # IR missing: RGB in its place
    assert torch.equal(out[2], x[2])
    assert route_missing_modality(x, ['rgb', None, None], routed=()) is x
    with pytest.raises(ValueError, match="route_missing takes modalities"):
        route_missing_modality(x, None, routed=('thermal', ))


@pytest.mark.parametrize('kind', ['det', 'seg'])
def test_preprocessors_keep_a_missing_rgb_image_black(kind):
    """``route_missing=('ir',)``: a sample without RGB keeps the blank RGB
    image, normalised as black; one without IR is still routed."""
    common = dict(mean=MEAN, std=STD, route_missing=('ir', ))
    if kind == 'det':
        pre = MODELS.build(dict(type='RGBIRDetDataPreprocessor',
                                pad_size_divisor=16, **common))
        sample = DetDataSample
    else:
        from mmseg.structures import SegDataSample as sample
        pre = MODELS.build(dict(type='RGBIRSegDataPreprocessor',
                                size=(16, 16), **common))
    samples = [sample(metainfo=dict(img_shape=(16, 16),
                                    missing_modality=m)) for m in ('rgb', 'ir')]
    imgs = [torch.randint(1, 255, (6, 16, 16), dtype=torch.uint8)
            for _ in range(2)]
    imgs[0][:3] = 0  # what LoadRGBIRImagePair / DropModality leave
    imgs[1][3:] = 0
    out = pre(dict(inputs=imgs, data_samples=samples))['inputs']
    black = -torch.tensor(MEAN[:3]) / torch.tensor(STD[:3])
    torch.testing.assert_close(out[0, :3, 0, 0], black)
    assert not torch.equal(out[0, :3], out[0, 3:])
    assert torch.equal(out[1, :3], out[1, 3:])  # RGB in the IR half
    with pytest.raises(ValueError, match='route_missing takes'):
        MODELS.build(dict(type='RGBIRDetDataPreprocessor', mean=MEAN,
                          std=STD, route_missing=('rgb', 'depth')))
