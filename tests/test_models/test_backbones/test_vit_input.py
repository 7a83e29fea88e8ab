# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Which image the frozen ViT sees: 'rgb' (paper), 'ir', 'both'."""
import pytest
import torch

from mmunirgbir.models.layers import sample_displaced
from mmunirgbir.models.utils import route_missing_modality
from .test_unirgbir_vit import count, record_vit_images, tiny


def _pair(seed=0):
    torch.manual_seed(seed)
    return torch.randn(2, 6, 64, 96)


@pytest.mark.parametrize('vit_input', ['rgb', 'ir'])
def test_one_image_modes_start_at_the_vit_on_that_image(vit_input):
    model = tiny(vit_input=vit_input, out_indices=(1, 3)).eval()
    x = _pair()
    half = x[:, :3] if vit_input == 'rgb' else x[:, 3:]
    with torch.no_grad():
        outs = model(x)
        ref = model.forward_foundation(x)
        alone = tiny(out_indices=(1, 3)).eval().forward_foundation(half)
    for o, r, a in zip(outs, ref, alone):
        assert (o - r).abs().max() < 1e-5
        assert (o - a).abs().max() < 1e-5  # the plain ViT on that image
    assert count(model) == count(tiny(out_indices=(1, 3)))


def test_both_starts_at_the_mean_of_the_two_streams():
    model = tiny(vit_input='both', out_indices=(0, 3)).eval()
    x = _pair()
    plain = tiny(out_indices=(0, 3)).eval()
    with torch.no_grad():
        outs = model(x)
        rgb = plain.forward_foundation(x[:, :3])
        ir = plain.forward_foundation(x[:, 3:])
        ref = model.forward_foundation(x)
    for o, r, a, b in zip(outs, ref, rgb, ir):
        assert o.shape == a.shape == (2, 64, 4, 6)
        assert (o - (a + b) / 2).abs().max() < 1e-5
        assert (o - r).abs().max() < 1e-5


def test_both_adds_only_the_stream_fusions():
    """The only new weights: one 1x1 gate (2C -> C) per output map."""
    c = 64
    for out_indices in [(3, ), (0, 1, 2, 3)]:
        base = count(tiny(out_indices=out_indices), trainable=True)
        both = tiny(vit_input='both', out_indices=out_indices)
        extra = count(both, trainable=True) - base
        assert extra == len(out_indices) * (2 * c * c + c)
        assert len(both.stream_fusions) == len(out_indices)
        assert count(both.vit, trainable=True) == 0


def test_both_streams_are_fused_per_position_and_trained():
    model = tiny(vit_input='both').train()
    for inj in model.injectors:
        inj.gamma.data.fill_(0.5)
    x = _pair()
    model(x)[0].square().mean().backward()
    gate = model.stream_fusions[0].gate
    assert gate.weight.grad is not None and gate.weight.grad.abs().sum() > 0
    assert all(p.grad is None for p in model.vit.parameters())
    # each stream sees its own image: changing IR changes the IR stream
    model.eval()
    with torch.no_grad():
        y = model(x)[0]
        x2 = x.clone()
        x2[:, 3:] *= -1
        assert (model(x2)[0] - y).abs().max() > 1e-3


def test_both_routes_a_missing_modality_per_sample():
    model = tiny(vit_input='both').eval()
    x = _pair()
    with torch.no_grad():
        routed = model(x, missing_modality=['rgb', None])[0]
        by_hand = model(route_missing_modality(x, ['rgb', None]))[0]
        full = model(x)[0]
    assert (routed - by_hand).abs().max() == 0
    assert (routed[1] - full[1]).abs().max() < 1e-5  # the complete sample
    assert (routed[0] - full[0]).abs().max() > 1e-4


def test_bad_vit_input_is_refused():
    with pytest.raises(ValueError, match='vit_input must be one of'):
        tiny(vit_input='thermal')
    with pytest.raises(ValueError, match="needs modality='rgbir'"):
        tiny(vit_input='both', modality='ir')


@pytest.mark.parametrize('vit_input', ['rgb', 'both'])
def test_alignment_keeps_the_untrained_adapter_an_identity(vit_input):
    """The IR alignment at inference (misregistered cameras) is off in the
    reference and, switched on, leaves the untrained model the ViT's: in
    training it does nothing, in eval mode it only moves IR."""
    mfp = dict(stem_channels=16, pyramid_channels=(16, 32, 32),
               alignment_cfg=dict(max_displacement=2))
    model = tiny(vit_input=vit_input, mfp_cfg=mfp).eval()
    x = _pair()
    with torch.no_grad():
        out, ref = model(x)[0], model.forward_foundation(x)[0]
    if vit_input == 'rgb':
        assert torch.equal(out, ref)
    else:  # the ViT's IR image is resampled by the estimate
        assert out.shape == ref.shape
    plain = tiny(vit_input=vit_input, mfp_cfg=dict(
        stem_channels=16, pyramid_channels=(16, 32, 32)))
    plain.load_state_dict(model.state_dict())  # the same keys
    model.train()
    for m in (model, plain):
        for inj in m.injectors:
            inj.gamma.data.fill_(0.5)
    torch.testing.assert_close(model(x)[0], plain.train()(x)[0], rtol=0,
                               atol=0)


@pytest.mark.parametrize('vit_input', ['rgb', 'ir', 'both'])
def test_the_vit_sees_the_ir_image_the_pool_aligned(vit_input, monkeypatch):
    """At inference the ViT's IR image is moved by the shift the pool
    applied (input pixels); 'rgb' sees RGB."""
    mfp = dict(stem_channels=16, pyramid_channels=(16, 32, 32),
               alignment_cfg=dict())
    model = tiny(vit_input=vit_input, mfp_cfg=mfp).eval()
    monkeypatch.setattr(
        model.mfp.alignment, 'forward',
        lambda rgb, ir: torch.tensor([[6., -2.], [-8., 4.]]))
    seen = record_vit_images(model, monkeypatch)
    x = _pair()
    with torch.no_grad():
        model(x)
    rgb, ir = x[:, :3], x[:, 3:]
    moved = sample_displaced(ir, torch.tensor([[6., -2.], [-8., 4.]]))
    expected = dict(rgb=rgb, ir=moved, both=torch.cat([rgb, moved]))
    torch.testing.assert_close(seen[0], expected[vit_input])
