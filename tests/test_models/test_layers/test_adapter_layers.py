# Copyright (c) mmunirgbir contributors. All rights reserved.
"""The adapter's fast formulations against their literal definitions."""
import pytest
import torch
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmcv.ops.multi_scale_deform_attn import \
    multi_scale_deformable_attn_pytorch

import mmunirgbir  # noqa: F401
from mmunirgbir.models.layers import (InjectionGate, ModalityAlignment,
                                      MultiModalFeaturePool, StreamFusion,
                                      SupplementaryFeatureInjector,
                                      ValueMapDeformableAttention)
from ..literal_unirgbir import (literal_attention, literal_injector,
                                literal_pool, multi_scale_deformable_sampling)

SHAPES = [(5, 7), (3, 4), (2, 2)]


def _grads(out, inputs, seed=1):
    g = torch.randn(out.shape, generator=torch.Generator().manual_seed(seed))
    return torch.autograd.grad(out, inputs, g)


def _split(value, shapes):
    return list(value.split([h * w for h, w in shapes], 1))


@pytest.mark.parametrize('batch,num_query', [(1, 9), (2, 11)])
def test_sampling_matches_mmcv_reference(batch, num_query):
    torch.manual_seed(0)
    nv = sum(h * w for h, w in SHAPES)
    value = torch.randn(batch, nv, 4, 8, requires_grad=True)
    # 20 % of the locations fall outside [0, 1] (zero padding)
    loc = (torch.rand(batch, num_query, 4, 3, 2, 2) * 1.5 - 0.25)
    loc.requires_grad_()
    weights = torch.rand(batch, num_query, 4, 3, 2).requires_grad_()
    ref = multi_scale_deformable_attn_pytorch(value, SHAPES, loc, weights)
    ours = multi_scale_deformable_sampling(value, SHAPES, loc, weights)
    assert ours.shape == ref.shape == (batch, num_query, 32)
    torch.testing.assert_close(ours, ref, rtol=1e-5, atol=1e-5)
    for a, b in zip(_grads(ours, [value, loc, weights]),
                    _grads(ref, [value, loc, weights])):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-4)


def _maps(value, shapes):
    """Value tokens (B, Nv, V) -> per-level maps (B, V, h, w)."""
    return [
        v.transpose(1, 2).reshape(v.shape[0], v.shape[2], h, w)
        for v, (h, w) in zip(_split(value, shapes), shapes)
    ]


def test_deformable_attention_matches_literal_formulation():
    torch.manual_seed(0)
    attn = ValueMapDeformableAttention(
        embed_dims=32, value_dims=16, num_heads=4, num_levels=3,
        num_points=2)
    for p in attn.parameters():  # leave the zero / uniform initialisation
        p.data.normal_(std=0.3)
    query = torch.randn(2, 6, 32, requires_grad=True)
    ref_points = torch.rand(1, 6, 2)
    value = torch.randn(2, sum(h * w for h, w in SHAPES), 16,
                        requires_grad=True)
    scale = torch.randn(32, requires_grad=True)
    ours = attn(query, ref_points, _maps(value, SHAPES), output_scale=scale)
    ref = literal_attention(attn, query, ref_points, value, SHAPES, scale)
    torch.testing.assert_close(ours, ref, rtol=1e-5, atol=1e-5)
    params = [query, value, scale] + list(attn.parameters())
    for a, b in zip(_grads(ours, params), _grads(ref, params)):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-4)
    with pytest.raises(ValueError, match='expected 3 value levels'):
        attn(query, ref_points, _maps(value, SHAPES)[:2])


@pytest.mark.parametrize('offset', [0., 100.])
def test_feature_pool_read_matches_norm_and_projection(offset):
    """Each injector's read of the folded pool == value_proj(LN(F)), F the
    literal pool (projections + level embedding), values and gradients.

    ``offset`` shifts every pooled feature by a large constant (mean far
    from 0 relative to the spread), where a careless fold loses precision.
    """
    torch.manual_seed(0)
    dims = 48
    mfp = MultiModalFeaturePool(
        embed_dims=dims, stem_channels=16, pyramid_channels=(8, 16, 16))
    for p in mfp.projections:
        p.bias.data += offset
    injectors = [
        SupplementaryFeatureInjector(
            embed_dims=dims, num_heads=4, num_points=2) for _ in range(2)
    ]
    for inj in injectors:
        inj.feat_norm.weight.data.normal_()
        inj.feat_norm.bias.data.normal_()
    rgb, ir = torch.randn(2, 3, 96, 128), torch.randn(2, 3, 96, 128)
    pool = mfp(rgb, ir)
    tokens, shapes = literal_pool(mfp, rgb, ir)
    assert [level.shape[1:] for level in pool.levels] == shapes
    ours, refs = [], []
    for inj in injectors:
        values = inj.read_pool(pool)
        ref = _maps(inj.value_proj(inj.feat_norm(tokens)), shapes)
        for v, r in zip(values, ref):
            assert v.shape == r.shape and v.is_contiguous()
            torch.testing.assert_close(v, r, rtol=1e-4, atol=1e-4)
        ours += values
        refs += ref
    params = [
        p for m in [mfp] + injectors for p in m.parameters()
        if p.requires_grad
    ]
    out = torch.cat([v.flatten() for v in ours])
    ref = torch.cat([v.flatten() for v in refs])
    ga = torch.autograd.grad(out, params, torch.ones_like(out),
                             allow_unused=True)
    gb = torch.autograd.grad(ref, params, torch.ones_like(ref),
                             allow_unused=True)
    for a, b in zip(ga, gb):
        if b is None:  # parameters the values do not depend on
            assert a is None or not a.any()
            continue
        torch.testing.assert_close(a, b, rtol=2e-3, atol=2e-3 * (
            1 + b.abs().max().item()))


def test_injector_matches_literal_formulation():
    torch.manual_seed(0)
    mfp = MultiModalFeaturePool(
        embed_dims=32, stem_channels=16, pyramid_channels=(8, 16, 16))
    inj = SupplementaryFeatureInjector(
        embed_dims=32, num_heads=4, num_points=2, init_gamma=0.5)
    for p in inj.parameters():
        p.data.add_(0.3 * torch.randn_like(p))
    rgb, ir = torch.randn(1, 3, 64, 96), torch.randn(1, 3, 64, 96)
    query, ref_points = torch.randn(1, 24, 32), torch.rand(1, 24, 2)
    pool, shapes = literal_pool(mfp, rgb, ir)
    torch.testing.assert_close(
        inj(query, ref_points, mfp(rgb, ir)),
        literal_injector(inj, query, ref_points, pool, shapes),
        rtol=1e-4, atol=1e-4)


def test_injector_loads_the_first_key_layout():
    """Checkpoints of the first layout kept value_proj inside attn."""
    inj = SupplementaryFeatureInjector(embed_dims=32, num_heads=4)
    old = {
        k.replace('value_proj.', 'attn.value_proj.'): v + 1
        for k, v in inj.state_dict().items()
    }
    fresh = SupplementaryFeatureInjector(embed_dims=32, num_heads=4)
    fresh.load_state_dict(old, strict=True)
    torch.testing.assert_close(fresh.value_proj.weight,
                               inj.value_proj.weight + 1)


def test_feature_pool_eval_folds_batch_norm_exactly():
    torch.manual_seed(0)
    mfp = MultiModalFeaturePool(
        embed_dims=32, stem_channels=16, pyramid_channels=(16, 32, 32))
    for m in mfp.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.normal_()
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.normal_()
            m.bias.data.normal_()
    mfp.eval()
    rgb, ir = torch.randn(2, 3, 64, 96), torch.randn(2, 3, 64, 96)
    with torch.no_grad():
        fused, _ = mfp.forward_pyramid(rgb, ir)
        convs = [m for m in mfp.modules() if isinstance(m, ConvModule)]
        assert convs and all(
            m.efficient_conv_bn_eval_forward is not None for m in convs)
        for m in convs:
            m.turn_on_efficient_conv_bn_eval(False)
        plain, _ = mfp.forward_pyramid(rgb, ir)
    for a, b in zip(fused, plain):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-4)


def test_gate_blends_per_image_and_channel():
    torch.manual_seed(0)
    gate = InjectionGate(8)
    cur, prev = torch.randn(2, 5, 8), torch.randn(2, 5, 8)
    z = torch.sigmoid(gate.fc(torch.cat([cur.mean(1), prev.mean(1)], -1)))
    expected = z[:, None] * cur + (1 - z[:, None]) * prev
    torch.testing.assert_close(gate(cur, prev), expected)
    assert F.mse_loss(gate(cur, cur), cur) < 1e-12


def test_stream_fusion_blends_per_position_from_the_mean():
    torch.manual_seed(0)
    fusion = StreamFusion(8)
    rgb, ir = torch.randn(2, 8, 3, 4), torch.randn(2, 8, 3, 4)
    torch.testing.assert_close(fusion(rgb, ir), (rgb + ir) / 2)
    fusion.gate.weight.data.normal_()
    z = torch.sigmoid(fusion.gate(torch.cat([rgb, ir], 1)))
    torch.testing.assert_close(fusion(rgb, ir), z * rgb + (1 - z) * ir)


def test_repeated_pool_reads_as_the_repeated_batch():
    """'both' streams share one pool: its repeat equals the pool of the
    batch given twice."""
    torch.manual_seed(0)
    mfp = MultiModalFeaturePool(
        embed_dims=32, stem_channels=16, pyramid_channels=(8, 16, 16)).eval()
    inj = SupplementaryFeatureInjector(embed_dims=32, num_heads=4)
    rgb, ir = torch.randn(2, 3, 64, 96), torch.randn(2, 3, 64, 96)
    with torch.no_grad():
        twice = mfp(torch.cat([rgb, rgb]), torch.cat([ir, ir]))
        repeated = mfp(rgb, ir).repeat(2)
        assert [lv.shape for lv in repeated.levels] == [
            lv.shape for lv in twice.levels]
        for a, b in zip(inj.read_pool(repeated), inj.read_pool(twice)):
            assert a.shape[0] == 4
            torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)


def test_cuda_kernel_path_passes_mmcv_layouts(monkeypatch):
    """The GPU branch hands mmcv's kernel its documented layouts.

    mmcv's ``MultiScaleDeformableAttnFunction`` (CUDA only) is replaced by
    its PyTorch reference, which takes the same arguments; the result must
    equal the CPU branch.
    """
    from mmunirgbir.models.layers import value_map_deformable_attention as msda
    calls = []

    class FakeKernel:

        @staticmethod
        def apply(value, shapes, starts, locations, weights, im2col_step):
            # the kernel reads raw memory: it refuses strided tensors
            for name, t in dict(value=value, shapes=shapes, starts=starts,
                                locations=locations, weights=weights).items():
                assert t.is_contiguous(), f'{name} tensor is not contiguous'
            calls.append((shapes.tolist(), starts.tolist()))
            return multi_scale_deformable_attn_pytorch(
                value, [tuple(s) for s in shapes.tolist()], locations,
                weights)

    torch.manual_seed(0)
    attn = ValueMapDeformableAttention(
        embed_dims=32, value_dims=16, num_heads=4, num_levels=3,
        num_points=2)
    for p in attn.parameters():
        p.data.normal_(std=0.3)
    query, ref_points = torch.randn(2, 6, 32), torch.rand(1, 6, 2)
    value = _maps(torch.randn(2, sum(h * w for h, w in SHAPES), 16), SHAPES)
    cpu = attn(query, ref_points, value)
    monkeypatch.setattr(msda, 'MultiScaleDeformableAttnFunction', FakeKernel)
    monkeypatch.setattr(ValueMapDeformableAttention, 'uses_cuda_kernel',
                        staticmethod(lambda query: True))
    gpu_branch = attn(query, ref_points, value)
    assert calls == [([list(s) for s in SHAPES], [0, 35, 47])]
    torch.testing.assert_close(gpu_branch, cpu, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize('norm', ['BN', 'GN'])
def test_injector_refuses_a_norm_its_pool_read_cannot_fold(norm):
    cfg = dict(type=norm) if norm == 'BN' else dict(type=norm, num_groups=4)
    with pytest.raises(ValueError, match='folded LayerNorm'):
        SupplementaryFeatureInjector(embed_dims=32, num_heads=4,
                                     norm_cfg=cfg)


#: the search of the alignment tests, without the shipped options
PLAIN = dict(max_displacement=4, pool=4, min_shift=0, peak_window=None,
             displacement_penalty=0)


def _textured(height=96, width=128):
    torch.manual_seed(0)
    return F.avg_pool2d(torch.randn(1, 3, height, width), 3, 1, 1)


def test_alignment_finds_a_shift_and_learns_nothing():
    """Matching the images' edges finds a shifted copy of a textured image
    at once; a flat image gives no displacement; the step has no weights
    and nothing in the checkpoint."""
    align = ModalityAlignment(**PLAIN)
    assert not list(align.parameters()) and not align.state_dict()
    rgb = torch.cat([_textured(), _textured()])
    ir = torch.zeros_like(rgb)  # IR content 8 px right, 4 px up
    ir[..., :-4, 8:] = rgb[..., 4:, :-8]
    est = align(rgb, ir.mean(1, keepdim=True).expand_as(ir))
    torch.testing.assert_close(est, torch.tensor([[8., -4.], [8., -4.]]),
                               atol=0.5, rtol=0)
    flat = align(torch.ones_like(rgb), torch.ones_like(ir))
    assert flat.abs().max() < 0.5
    assert align.active is False  # training mode: the step is off
    assert align.eval().active is True


def test_alignment_match_scores_how_well_the_edges_agree():
    """``match`` gives the same displacement as ``forward`` and the edge
    correlation at it: near 1 for a shifted copy, near 0 for an unrelated
    image (what registration_check.py trusts or not)."""
    align = ModalityAlignment(**PLAIN).eval()
    rgb = _textured()
    ir = torch.zeros_like(rgb)
    ir[..., :, 8:] = rgb[..., :, :-8]
    torch.manual_seed(1)
    other = F.avg_pool2d(torch.randn(1, 3, 96, 128), 3, 1, 1)
    shift, peak = align.match(torch.cat([rgb, rgb]), torch.cat([ir, other]))
    torch.testing.assert_close(shift, align(torch.cat([rgb, rgb]),
                                            torch.cat([ir, other])))
    assert peak.shape == (2, ) and peak[0] > 0.8 and abs(peak[1]) < 0.3


def test_alignment_leaves_nearly_registered_pairs_alone():
    """``min_shift``: an 8-px shift is estimated as before, a 2-px one
    counts as registered."""
    rgb = torch.cat([_textured(), _textured()])
    rgb[1] = rgb[1].flip(-1)
    ir = torch.zeros_like(rgb)
    ir[0, :, :, 8:] = rgb[0, :, :, :-8]
    ir[1, :, :, 2:] = rgb[1, :, :, :-2]
    plain = ModalityAlignment(**PLAIN)
    dead = ModalityAlignment(**dict(PLAIN, min_shift=4))
    est, kept = plain(rgb, ir), dead(rgb, ir)
    assert est[1, 0] > 1
    torch.testing.assert_close(kept[0], est[0])
    assert kept[1].abs().max() == 0
    with pytest.raises(ValueError, match='min_shift'):
        ModalityAlignment(min_shift=-1)
    with pytest.raises(ValueError, match='must be >= 1'):
        ModalityAlignment(max_displacement=0)


def test_alignment_ignores_the_batch_padding():
    """The zero rows the data preprocessor pads a batch with have an edge
    at the same place in both images; left out of the match, the padded
    pair gives the unpadded pair's vertical shift."""
    rgb = _textured()
    ir = torch.full_like(rgb, 0.3)  # IR content 8 px down
    ir[..., 8:, :] = rgb[..., :-8, :]
    align = ModalityAlignment(**PLAIN)
    padded = [F.pad(x, (0, 0, 0, 32)) for x in (rgb, ir)]
    expected = torch.tensor([[0., 8.]])
    torch.testing.assert_close(align(rgb, ir), expected, atol=0.1, rtol=0)
    torch.testing.assert_close(align(*padded), expected, atol=0.1, rtol=0)


def _pair_with_a_far_match(in_place: float):
    """A textured RGB image, an IR image that is ``in_place`` times it in
    register plus the rest of it 16 px to the right plus noise, and the
    plain 16-px shift."""
    rgb = _textured()
    noise = F.avg_pool2d(torch.randn(1, 3, 96, 128), 3, 1, 1)
    shifted = torch.zeros_like(rgb)
    shifted[..., 16:] = rgb[..., :-16]
    return rgb, in_place * rgb + (1 - in_place) * shifted + noise, shifted


@pytest.mark.parametrize('in_place, without, option, bad', [
    (0.55, {}, dict(peak_window=1), dict(peak_window=-1)),
    (0.5, dict(peak_window=1), dict(displacement_penalty=0.04),
     dict(displacement_penalty=-1)),
])
def test_alignment_keeps_a_pair_in_place_against_a_far_match(
        in_place, without, option, bad):
    """An IR image that matches RGB in place and, a little less or a little
    more, 16 px away: without the option the far match pulls the estimate
    (``peak_window``: the soft-argmax over all displacements lands between
    them; ``displacement_penalty``: the far one wins); with it the pair
    stays in place, and a plain 16-px shift is still found."""
    rgb, ir, shifted = _pair_with_a_far_match(in_place)
    kw = dict(PLAIN, **without)
    assert ModalityAlignment(**kw)(rgb, ir)[0, 0] > 2
    align = ModalityAlignment(**dict(kw, **option))
    assert align(rgb, ir).abs().max() < 0.5
    torch.testing.assert_close(align(rgb, shifted),
                               torch.tensor([[16., 0.]]), atol=0.5, rtol=0)
    with pytest.raises(ValueError, match=next(iter(bad))):
        ModalityAlignment(**bad)


def test_feature_pool_aligns_at_inference_only():
    """In training the pool with the step is the pool without it, bit for
    bit; in eval mode it moves its IR stem features by the image-level
    shift / 4 and reports the shift in input pixels. The checkpoint is the
    plain pool's."""
    kw = dict(embed_dims=32, stem_channels=16, pyramid_channels=(8, 16, 16))
    mfp = MultiModalFeaturePool(
        **kw, alignment_cfg=dict(max_displacement=4, pool=4))
    plain = MultiModalFeaturePool(**kw)
    plain.load_state_dict(mfp.state_dict())  # strict: the same keys
    rgb = _textured()
    ir = torch.zeros_like(rgb)
    ir[..., 8:] = rgb[..., :-8]
    with torch.no_grad():
        trained, shift = mfp.forward_pyramid(rgb, ir)
        expected, _ = plain.forward_pyramid(rgb, ir)
        assert shift is None
        for a, b in zip(trained, expected):
            torch.testing.assert_close(a, b, rtol=0, atol=0)
        moved, shift = mfp.eval().forward_pyramid(rgb, ir)
        still, _ = plain.eval().forward_pyramid(rgb, ir)
    assert abs(shift[0, 0].item() - 8) < 0.5 and abs(shift[0, 1]) < 0.5
    assert not torch.equal(moved[0], still[0])
