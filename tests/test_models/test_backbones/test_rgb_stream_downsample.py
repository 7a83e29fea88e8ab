# Copyright (c) mmunirgbir contributors. All rights reserved.
"""The two-stream mode with a coarser RGB stream (``rgb_stream_downsample``)."""
import pytest
import torch
import torch.nn.functional as F

from mmunirgbir.models.layers import sample_displaced
from mmunirgbir.models.utils import route_missing_modality
from .test_unirgbir_vit import count, record_vit_images, tiny


def _pair(h=64, w=96, seed=0):
    torch.manual_seed(seed)
    return torch.randn(2, 6, h, w)


def coarse(**kwargs):
    return tiny(vit_input='both', rgb_stream_downsample=2, **kwargs)


def test_the_rgb_stream_runs_the_pooled_rgb_image(monkeypatch):
    """The ViT runs the RGB image average-pooled 2x2 and padded to the patch
    size (a quarter of the IR stream's tokens, or fewer) and, as a second
    sequence, the IR image."""
    model = coarse().eval()
    seen = record_vit_images(model, monkeypatch)
    x = _pair(72, 100)  # padded to 80 x 112; RGB 40 x 56 -> 48 x 64
    with torch.no_grad():
        outs = model(x)
    rgb, ir = F.pad(x, (0, 12, 0, 8)).split(3, dim=1)
    assert len(seen) == 2
    expected_rgb = F.pad(F.avg_pool2d(rgb, 2), (0, 8, 0, 8))
    torch.testing.assert_close(seen[0], expected_rgb)
    torch.testing.assert_close(seen[1], ir, rtol=0, atol=0)
    assert outs[0].shape == (2, 64, 5, 7)  # the IR stream's grid


@pytest.mark.parametrize('size', [(64, 96), (72, 100)])
def test_the_untrained_model_is_the_vit_on_both_streams(size):
    """gamma = 0: the outputs are forward_foundation's, the mean of the
    upsampled RGB map and the IR map."""
    model = coarse(out_indices=(0, 3)).eval()
    x = _pair(*size)
    with torch.no_grad():
        outs, ref = model(x), model.forward_foundation(x)
    for o, r in zip(outs, ref):
        assert o.shape == r.shape == (2, 64, -(-size[0] // 16),
                                      -(-size[1] // 16))
        torch.testing.assert_close(o, r, rtol=0, atol=1e-5)


def test_same_weights_as_two_full_streams():
    """The option adds no weights: a full-resolution two-stream checkpoint
    loads into it."""
    full = tiny(vit_input='both', out_indices=(0, 3))
    model = coarse(out_indices=(0, 3))
    assert count(model) == count(full)
    model.load_state_dict(full.state_dict())


def test_the_rgb_stream_reads_the_pool_where_its_tokens_lie(monkeypatch):
    """Each RGB token reads the pool at its own centre in the input frame:
    a token of the coarse grid spans 2x2 of the IR stream's, so their
    reference points (normalised to the IR grid) interleave."""
    model = coarse().eval()
    refs = []
    inject = model.injectors[0].forward
    monkeypatch.setattr(
        model.injectors[0], 'forward',
        lambda q, ref, pool: refs.append(ref) or inject(q, ref, pool))
    with torch.no_grad():
        model(_pair(64, 96))  # RGB grid 2 x 3, IR grid 4 x 6
    rgb_ref, ir_ref = refs
    assert rgb_ref.shape == (1, 6, 2) and ir_ref.shape == (1, 24, 2)
    # the centre of RGB token (i, j) is the mean of its 2x2 IR tokens' ones
    grid = ir_ref.view(4, 6, 2)
    blocks = grid.view(2, 2, 3, 2, 2).mean((1, 3))
    torch.testing.assert_close(rgb_ref.view(2, 3, 2), blocks)


def test_training_reaches_the_fusions_and_not_the_vit():
    model = coarse().train()
    for inj in model.injectors:
        inj.gamma.data.fill_(0.5)
    x = _pair()
    model(x)[0].square().mean().backward()
    assert model.stream_fusions[0].gate.weight.grad.abs().sum() > 0
    assert all(p.grad is None for p in model.vit.parameters())
    model.eval()
    with torch.no_grad():  # the RGB stream sees the RGB image
        y = model(x)[0]
        x2 = x.clone()
        x2[:, :3] *= -1
        assert (model(x2)[0] - y).abs().max() > 1e-3


def test_a_missing_modality_is_routed_per_sample():
    model = coarse().eval()
    x = _pair()
    with torch.no_grad():
        routed = model(x, missing_modality=[None, 'ir'])[0]
        by_hand = model(route_missing_modality(x, [None, 'ir']))[0]
        full = model(x)[0]
    assert torch.equal(routed, by_hand)
    torch.testing.assert_close(routed[0], full[0], rtol=0, atol=1e-5)


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="needs vit_input='both'"):
        tiny(rgb_stream_downsample=2)
    with pytest.raises(ValueError, match='integer >= 1'):
        tiny(vit_input='both', rgb_stream_downsample=0.5)


def test_the_ir_stream_sees_the_ir_image_the_pool_aligned(monkeypatch):
    """With the alignment at inference, the IR stream runs the IR image
    moved by the pool's shift; the coarse RGB stream, the pooled RGB image
    as it came."""
    mfp = dict(stem_channels=16, pyramid_channels=(16, 32, 32),
               alignment_cfg=dict())
    model = coarse(mfp_cfg=mfp).eval()
    shift = torch.tensor([[6., -2.], [-8., 4.]])
    monkeypatch.setattr(model.mfp.alignment, 'forward', lambda rgb, ir: shift)
    seen = record_vit_images(model, monkeypatch)
    x = _pair()
    with torch.no_grad():
        model(x)
    torch.testing.assert_close(seen[0], F.avg_pool2d(x[:, :3], 2))
    torch.testing.assert_close(seen[1], sample_displaced(x[:, 3:], shift))
