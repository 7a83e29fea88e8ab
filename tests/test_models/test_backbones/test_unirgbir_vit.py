# Copyright (c) mmunirgbir contributors. All rights reserved.
import pickle

import pytest
import timm
import torch
from mmengine.registry import MODELS
from timm.layers import resample_abs_pos_embed

import mmunirgbir  # noqa: F401
from mmunirgbir.models import UniRGBIRViT
from mmunirgbir.utils import CheckpointError
from ..literal_unirgbir import literal_backbone
from .backbone_reference import (CONFIGS, fill_by_name, read_reference,
                                 reference_input)

#: a 4-block, 64-wide ViT: the full code path in milliseconds
TINY = dict(
    vit_name='vit_base_patch16_224',
    vit_cfg=dict(embed_dim=64, depth=4, num_heads=2),
    sfi_cfg=dict(num_heads=4),
    global_attn_indexes=(1, 3),
    mfp_cfg=dict(stem_channels=16, pyramid_channels=(16, 32, 32)))


def tiny(**kwargs) -> UniRGBIRViT:
    torch.manual_seed(0)
    cfg = dict(TINY)
    cfg.update(kwargs)
    return UniRGBIRViT(**cfg)


def record_vit_images(model: UniRGBIRViT, monkeypatch) -> list:
    """The list that collects every image the model's ViT embeds."""
    seen = []
    embed = model._embed
    monkeypatch.setattr(model, '_embed',
                        lambda img: seen.append(img) or embed(img))
    return seen


def count(module, trainable=None) -> int:
    return sum(p.numel() for p in module.parameters()
               if trainable is None or p.requires_grad == trainable)


def test_reference_configuration_parameter_counts():
    model = MODELS.build(dict(type='UniRGBIRViT'))
    assert model.embed_dims == 768 and model.patch_size == 16
    assert model.stage_blocks == [(0, 2), (3, 5), (6, 8), (9, 11)]
    assert count(model, trainable=True) == 8_904_400
    assert count(model.vit, trainable=True) == 0
    assert count(model.vit) == 85_795_584  # ViT-B/16 without head and norm
    # the MFP 1,652,752 and, owned by it, the level embedding 2,304
    assert count(model.mfp) == 1_652_752 + 2_304
    assert count(model.mfp.rgb_stem) + count(model.mfp.ir_stem) == 151_680
    assert count(model.mfp.mixing) == 47_504
    assert count(model.mfp.pyramid) == 959_744
    assert count(model.mfp.projections) == 493_824
    assert model.mfp.level_embed.numel() == 2_304
    assert [count(m) for m in model.injectors] == [927_024] * 4
    assert [count(m) for m in model.gates] == [1_180_416] * 3
    assert all(not torch.any(m.gamma) for m in model.injectors)


@pytest.mark.parametrize(
    'kwargs', [{}, dict(window_size=3), dict(with_cls_token=True)])
def test_adapter_is_identity_at_init(kwargs):
    model = tiny(out_indices=(0, 1, 2, 3), **kwargs).eval()
    x = torch.randn(2, 6, 96, 128)
    with torch.no_grad():
        outs = model(x)
        ref = model.forward_foundation(x[:, :3])
    assert len(outs) == 4
    for o, r in zip(outs, ref):
        assert o.shape == (2, 64, 6, 8)
        assert (o - r).abs().max() < 1e-5
    # the IR half really is ignored by the foundation path and used by ours
    model.injectors[0].gamma.data.fill_(1.)
    with torch.no_grad():
        y = model(x)[0]
        x2 = x.clone()
        x2[:, 3:] += 1
        assert (model(x2)[0] - y).abs().max() > 1e-4


def test_foundation_path_matches_timm():
    """Our embedding / stage split reproduces timm's own ViT forward."""
    model = tiny(out_indices=(0, 1, 2, 3)).eval()
    rgb = torch.randn(1, 3, 224, 224)
    with torch.no_grad():
        ours = model.forward_foundation(rgb)
        theirs = model.vit.forward_intermediates(
            rgb, indices=[0, 1, 2, 3], norm=False, output_fmt='NCHW',
            intermediates_only=True)
    for o, t in zip(ours, theirs):
        assert (o - t).abs().max() < 1e-5


@pytest.mark.parametrize('kwargs', [{}, dict(with_cls_token=True)])
def test_tokens_enter_the_blocks_contiguous(kwargs):
    """The patch embedding is a strided view; the blocks' products run
    measurably slower on strided tokens."""
    tokens, hw, rope = tiny(**kwargs)._embed(torch.randn(1, 3, 64, 96))
    assert tokens.is_contiguous() and hw == (4, 6) and rope is None


def test_window_attention_changes_the_foundation():
    model = tiny(window_size=3).eval()
    glob = tiny().eval()
    x = torch.randn(1, 6, 96, 96)
    with torch.no_grad():
        assert (model.forward_foundation(x)[0] -
                glob.forward_foundation(x)[0]).abs().max() > 1e-4


def test_optimizer_step_trains_only_the_adapter():
    model = tiny(out_indices=(0, 1, 2, 3)).train()
    vit_before = {k: v.clone() for k, v in model.vit.state_dict().items()}
    adapter_before = {
        n: p.detach().clone()
        for n, p in model.named_parameters() if p.requires_grad
    }
    assert adapter_before and not any(
        n.startswith('vit.') for n in adapter_before)
    optim = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=1e-2)
    x = torch.randn(2, 6, 64, 64)
    for _ in range(2):
        optim.zero_grad()
        sum(o.mean() for o in model(x)).backward()
        optim.step()
    # after the first step gamma != 0, so the second backward reaches the MFP
    for stem in (model.mfp.rgb_stem, model.mfp.ir_stem):
        grads = [p.grad for p in stem.parameters()]
        assert all(g is not None for g in grads)
        assert sum(g.abs().sum() for g in grads) > 0
    for k, v in model.vit.state_dict().items():
        assert torch.equal(v, vit_before[k]), k
    assert all(p.grad is None for p in model.vit.parameters())
    changed = [
        n for n, p in model.named_parameters()
        if p.requires_grad and not torch.equal(p, adapter_before[n])
    ]
    assert any('gamma' in n for n in changed)
    assert any(n.startswith('mfp.rgb_stem') for n in changed)
    assert any(n.startswith('mfp.ir_stem') for n in changed)
    assert not model.vit.training  # frozen ViT stays in eval mode


@pytest.mark.parametrize('kwargs', [{}, dict(modality='ir'),
                                    dict(with_cls_token=True)])
def test_backbone_matches_literal_formulation(kwargs):
    """The folded pool read and our sampling == the literal formulation
    (project, embed, norm, project; mmcv's reference), outputs and
    gradients."""
    model = tiny(out_indices=(0, 1, 2, 3), **kwargs).train()
    torch.manual_seed(1)
    for inj in model.injectors:  # leave the identity initialisation
        inj.gamma.data.normal_()
        inj.feat_norm.weight.data.normal_()
        inj.feat_norm.bias.data.normal_()
        # off the pixel grid, where bilinear sampling has no gradient
        inj.attn.sampling_offsets.bias.data.add_(0.3 * torch.randn(
            inj.attn.sampling_offsets.bias.shape))
    x = torch.randn(2, 6, 64, 96)
    ours, ref = model(x), literal_backbone(model, x)
    for a, b in zip(ours, ref):
        assert (a - b).abs().max() < 1e-4 * (1 + b.abs().max())
    params = [p for p in model.parameters() if p.requires_grad]
    grads = [
        torch.autograd.grad(
            sum(t.square().mean() for t in outs), params, allow_unused=True)
        for outs in (ours, ref)
    ]
    for (name, _), a, b in zip(
        [(n, p) for n, p in model.named_parameters() if p.requires_grad],
            *grads):
        assert a is not None and b is not None, name
        assert (a - b).abs().max() <= 1e-3 * (1e-3 + b.abs().max()), name


@pytest.mark.parametrize('key', sorted(CONFIGS))
def test_same_outputs_as_the_first_layout(key):
    """Weights saved under the first key layout (level embedding in the
    backbone, value projections inside the attention) load strictly and
    give the outputs that layout's code gave (tests/fixtures)."""
    shapes, reference = read_reference(key)
    model = UniRGBIRViT(**CONFIGS[key]).eval()
    model.load_state_dict(fill_by_name(shapes), strict=True)
    with torch.no_grad():
        outs = model(reference_input())
    for out, ref in zip(outs, reference):
        torch.testing.assert_close(out, ref, rtol=0, atol=1e-5)


@pytest.mark.parametrize('device,dtype', [
    ('cpu', torch.bfloat16),
    pytest.param(
        'cuda',
        torch.float16,
        marks=pytest.mark.skipif(
            not torch.cuda.is_available(), reason='needs a CUDA GPU'))
])
def test_mixed_precision_training_step(device, dtype):
    """Under autocast a step runs end to end: the sampling and pool reading
    stay fp32, the gate mixes dtypes."""
    model = tiny(
        out_indices=(0, 1, 2, 3),
        sfi_cfg=dict(num_heads=4, init_gamma=0.5)).to(device).train()
    x = torch.randn(2, 6, 64, 96, device=device)
    with torch.autocast(device, dtype=dtype):
        outs = model(x)
        loss = sum(o.float().square().mean() for o in outs)
    loss.backward()
    assert all(torch.isfinite(o).all() for o in outs)
    grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)


def test_gradient_checkpointing_matches():
    x = torch.randn(1, 6, 64, 64)
    outs, grads = [], []
    for with_cp in (False, True):
        model = tiny(
            with_cp=with_cp, sfi_cfg=dict(num_heads=4, init_gamma=0.5))
        y = model(x)[0]
        y.square().mean().backward()
        outs.append(y.detach())
        grads.append(model.mfp.rgb_stem[0].conv.weight.grad.clone())
    assert torch.allclose(outs[0], outs[1], atol=1e-6)
    assert torch.allclose(grads[0], grads[1], atol=1e-6)


@pytest.mark.parametrize('hw', [(512, 640), (480, 640), (224, 224),
                                (100, 90)])
def test_input_sizes(hw):
    model = tiny(out_indices=(0, 3)).eval()
    with torch.no_grad():
        outs = model(torch.randn(1, 6, *hw))
    expected = (1, 64, -(-hw[0] // 16), -(-hw[1] // 16))
    assert [tuple(o.shape) for o in outs] == [expected, expected]


def test_bad_inputs_raise_clear_errors():
    model = tiny()
    with pytest.raises(ValueError, match=r'expects one \(B, 6, H, W\)'):
        model(torch.randn(1, 5, 64, 64))
    with pytest.raises(ValueError, match='not a multiple of the patch size'):
        tiny(pad_to_patch=False)(torch.randn(1, 6, 70, 64))
    with pytest.raises(ValueError, match='out_indices'):
        tiny(out_indices=(4, ))
    with pytest.raises(ValueError, match='window attention'):
        tiny(with_cls_token=True, window_size=4)


def test_registered_for_mmdet_and_mmseg():
    from mmdet.registry import MODELS as DET_MODELS
    from mmseg.registry import MODELS as SEG_MODELS
    cfg = dict(type='UniRGBIRViT', **TINY)
    assert type(DET_MODELS.build(cfg)) is UniRGBIRViT
    assert type(SEG_MODELS.build(cfg)) is UniRGBIRViT
    assert DET_MODELS.get('UniRGBIRViT') is SEG_MODELS.get('UniRGBIRViT')


# --------------------------------------------------------------------------- #
# checkpoints
# --------------------------------------------------------------------------- #
def _timm_state(model: UniRGBIRViT, with_cls=True) -> dict:
    """A timm-style ViT state dict (class-token position included)."""
    sd = {k: v.clone() + 0.01 for k, v in model.vit.state_dict().items()}
    if with_cls:
        sd['pos_embed'] = torch.cat(
            [torch.zeros(1, 1, sd['pos_embed'].shape[-1]), sd['pos_embed']],
            1)
        sd['cls_token'] = torch.zeros(1, 1, sd['pos_embed'].shape[-1])
    sd['head.weight'] = torch.zeros(10, sd['pos_embed'].shape[-1])
    return sd


def _assert_loaded(model, sd):
    for k, v in model.vit.state_dict().items():
        ref = sd[k][:, 1:] if k == 'pos_embed' else sd[k]
        assert torch.allclose(v, ref), k


@pytest.mark.parametrize('layout', ['timm', 'mae', 'mmengine', 'detectron2'])
def test_checkpoint_layouts(tmp_path, layout):
    model = tiny()
    sd = _timm_state(model)
    if layout == 'timm':
        path = tmp_path / 'vit.pth'
        torch.save(sd, path)
    elif layout == 'mae':
        path = tmp_path / 'mae.pth'
        torch.save({'model': sd, 'epoch': 1}, path)
    elif layout == 'mmengine':
        path = tmp_path / 'det.pth'
        torch.save({'state_dict': {f'backbone.vit.{k}': v
                                   for k, v in sd.items()},
                    'meta': {}}, path)
    else:
        path = tmp_path / 'model_final.pkl'
        with open(path, 'wb') as f:
            pickle.dump({'model': {f'backbone.net.{k}': v.numpy()
                                   for k, v in sd.items()},
                         '__author__': 'Detectron2 Model Zoo'}, f)
    fresh = tiny(pretrained=str(path))
    fresh.init_weights()
    _assert_loaded(fresh, sd)


@pytest.mark.parametrize('kwargs, message', [
    (dict(out_indices=(3, 3)), 'increasing, distinct'),
    (dict(out_indices=(2, 1)), 'increasing, distinct'),
    (dict(out_indices=(0, 4)), 'of the 4 stages'),
    (dict(num_stages=5), 'num_stages 5 must be 1 to the ViT.s 4 blocks'),
    (dict(stage_blocks=((0, 1), (2, 1), (2, 3))), 'ends before it starts'),
])
def test_bad_stage_settings_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        tiny(**kwargs)


def test_out_indices_as_an_int():
    assert tiny(out_indices=3).out_indices == (3, )


def test_whole_trained_model_with_a_non_square_grid_as_pretrained(tmp_path):
    """A trained mmunirgbir detector (16x20 position grid) as `pretrained`:
    it loads into a model of that grid; another grid is refused naming the
    file (it raised an unnamed 'cannot read a square grid' before)."""
    trained = tiny(img_size=(256, 320))
    assert tuple(trained.vit.patch_embed.grid_size) == (16, 20)
    path = tmp_path / 'detector.pth'
    torch.save({'state_dict': {f'backbone.{k}': v
                               for k, v in trained.state_dict().items()},
                'meta': {}}, path)
    fresh = tiny(img_size=(256, 320), pretrained=str(path))
    fresh.init_weights()
    for k, v in fresh.vit.state_dict().items():
        assert torch.equal(v, trained.vit.state_dict()[k]), k
    with pytest.raises(CheckpointError,
                       match=r'detector\.pth: .*320 rows.*16x16'):
        tiny(img_size=(256, 256), pretrained=str(path)).init_weights()


def test_pretrained_init_cfg_and_missing_keys(tmp_path):
    model = tiny()
    sd = _timm_state(model)
    good = tmp_path / 'good.pth'
    torch.save(sd, good)
    fresh = tiny(init_cfg=dict(type='Pretrained', checkpoint=str(good)))
    fresh.init_weights()
    _assert_loaded(fresh, sd)

    renamed = tmp_path / 'renamed.pth'
    torch.save({k.replace('blocks.', 'layers.'): v for k, v in sd.items()},
               renamed)
    with pytest.raises(CheckpointError, match='missing.*Refusing to train'):
        tiny(init_cfg=dict(type='Pretrained',
                           checkpoint=str(renamed))).init_weights()
    with pytest.raises(CheckpointError, match='not found'):
        tiny(pretrained=str(tmp_path / 'nope.pth')).init_weights()
    # a trainable ViT may start partly random: a warning, no error
    tiny(pretrained=str(renamed), freeze_vit=False).init_weights()


def test_no_checkpoint_warns():
    with pytest.warns(UserWarning, match='randomly'):
        tiny().init_weights()


def _dinov2(**kwargs) -> UniRGBIRViT:
    cfg = dict(
        vit_name='vit_small_patch14_dinov2',
        img_size=518,
        sfi_cfg=dict(num_heads=6),
        mfp_cfg=dict(stem_channels=16, pyramid_channels=(16, 32, 32)))
    cfg.update(kwargs)
    return UniRGBIRViT(**cfg)


def test_real_dinov2_patch14_matches_reference(dinov2_weights):
    """Loaded fully, and the features equal the weights' documented recipe."""
    model = _dinov2(with_cls_token=True, pretrained=str(dinov2_weights))
    model.init_weights()
    sd = torch.load(dinov2_weights, map_location='cpu', weights_only=True)
    ref = timm.create_model(
        'vit_small_patch14_dinov2', pretrained=False, img_size=224)
    sd224 = dict(sd)
    sd224['pos_embed'] = resample_abs_pos_embed(
        sd['pos_embed'], new_size=(16, 16), old_size=(37, 37),
        num_prefix_tokens=1, interpolation='bicubic', antialias=False)
    ref.load_state_dict(sd224, strict=True)
    ref.eval()
    torch.manual_seed(0)
    x = torch.randn(1, 3, 224, 224)
    with torch.no_grad():
        ours = model.forward_foundation(x)[0]
        tokens = ref.blocks(ref._pos_embed(ref.patch_embed(x)))[:, 1:]
        theirs = tokens.transpose(1, 2).reshape(1, 384, 16, 16)
    assert (ours - theirs).abs().max() < 1e-3


def test_real_dinov2_resampled_to_patch16(dinov2_weights):
    model = _dinov2(patch_size=16, img_size=512, pretrained=str(dinov2_weights))
    model.init_weights()  # raises if any ViT weight were missing
    assert model.vit.patch_embed.proj.weight.shape[-2:] == (16, 16)
    with torch.no_grad():
        out = model(torch.randn(1, 6, 128, 160))[0]
    assert out.shape == (1, 384, 8, 10) and torch.isfinite(out).all()


# --------------------------------------------------------------------------- #
# Eva foundations (rotary position embeddings): DINOv3, EVA-02
# --------------------------------------------------------------------------- #
def tiny_eva(vit_name='vit_base_patch16_dinov3', **kwargs) -> UniRGBIRViT:
    return tiny(
        vit_name=vit_name,
        with_cls_token=True,
        vit_cfg=dict(embed_dim=64, depth=4, num_heads=2, qkv_bias=True),
        **kwargs)


def test_eva_dinov3_identity_at_init_and_equals_timm():
    """Class + 4 register tokens kept, RoPE for the grid of every input
    (here an odd size, padded), injectors between the blocks."""
    model = tiny_eva(out_indices=(0, 1, 2, 3)).eval()
    assert isinstance(model.vit, timm.models.eva.Eva)
    assert model.num_prefix_tokens == 5 and model.vit.pos_embed is None
    x = torch.randn(2, 6, 90, 118)
    with torch.no_grad():
        outs, ref = model(x), model.forward_foundation(x)
        padded = torch.nn.functional.pad(x[:, :3], (0, 10, 0, 6))
        theirs = model.vit.forward_intermediates(
            padded, indices=[0, 1, 2, 3], norm=False, output_fmt='NCHW',
            intermediates_only=True)
    for o, r, t in zip(outs, ref, theirs):
        assert o.shape == (2, 64, 6, 8)
        assert (o - r).abs().max() < 1e-5
        assert (r - t).abs().max() < 1e-5
    # the adapter reaches the ViT once it is switched on
    model.injectors[0].gamma.data.fill_(1.)
    with torch.no_grad():
        assert (model(x)[3] - ref[3]).abs().max() > 1e-4


def test_eva02_absolute_and_rotary_positions_equal_timm():
    """EVA-02 (absolute + rotary positions): timm's forward at the
    pre-training grid (elsewhere the absolute table is resized without
    antialiasing, unlike timm's dynamic path)."""
    model = tiny_eva('eva02_small_patch14_224', out_indices=(0, 1, 2, 3))
    model.eval()
    assert model.vit.pos_embed is not None and model.vit.rope is not None
    x = torch.randn(1, 6, 224, 224)
    with torch.no_grad():
        outs = model(x)
        theirs = model.vit.forward_intermediates(
            x[:, :3], indices=[0, 1, 2, 3], norm=False, output_fmt='NCHW',
            intermediates_only=True)
        assert model(torch.randn(1, 6, 100, 130))[0].shape == (1, 64, 8, 10)
    for o, t in zip(outs, theirs):
        assert (o - t).abs().max() < 1e-5


def test_eva_trains_only_the_adapter_and_refuses_windows():
    model = tiny_eva().train()
    optim = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=1e-2)
    vit_before = {k: v.clone() for k, v in model.vit.state_dict().items()}
    for _ in range(2):
        optim.zero_grad()
        model(torch.randn(2, 6, 64, 80))[0].mean().backward()
        optim.step()
    assert all(torch.equal(v, vit_before[k])
               for k, v in model.vit.state_dict().items())
    assert model.injectors[0].gamma.abs().sum() > 0
    with pytest.raises(ValueError, match='window attention'):
        tiny_eva(window_size=4)


def _dinov3_original_layout(vit) -> dict:
    """A DINOv3 checkpoint in Meta's key layout, from a timm Eva's keys."""
    out = {'mask_token': torch.randn(1, vit.embed_dim)}
    for key, value in vit.state_dict().items():
        value = torch.randn_like(value)
        if key.endswith('attn.q_bias'):
            v_bias = torch.randn_like(value)
            out[key.replace('q_bias', 'qkv.bias')] = torch.cat(
                [value, torch.zeros_like(value), v_bias])
            out[key.replace('q_bias', 'qkv.bias_mask')] = torch.ones(
                3 * value.numel())
            continue
        if key.endswith('attn.v_bias'):
            continue
        key = key.replace('reg_token', 'storage_tokens')
        key = key.replace('gamma_1', 'ls1.gamma').replace('gamma_2',
                                                          'ls2.gamma')
        out[key] = value
    out['rope_embed.periods'] = torch.randn(8)
    return out


def test_dinov3_original_checkpoint_loads_completely(tmp_path):
    model = tiny_eva()
    original = _dinov3_original_layout(model.vit)
    assert 'storage_tokens' in original and not any(
        k.endswith('q_bias') for k in original)
    path = tmp_path / 'dinov3_vitb16_pretrain.pth'
    torch.save(original, path)
    fresh = tiny_eva(pretrained=str(path))
    fresh.init_weights()  # raises if any ViT weight were missing
    state = fresh.vit.state_dict()
    assert torch.equal(state['reg_token'], original['storage_tokens'])
    assert torch.equal(state['blocks.1.gamma_2'],
                       original['blocks.1.ls2.gamma'])
    q, _, v = original['blocks.0.attn.qkv.bias'].chunk(3)
    assert torch.equal(state['blocks.0.attn.q_bias'], q)
    assert torch.equal(state['blocks.0.attn.v_bias'], v)
    # timm's own layout loads too
    timm_path = tmp_path / 'timm.pth'
    torch.save(dict(state), timm_path)
    tiny_eva(pretrained=str(timm_path)).init_weights()
    # one frozen weight missing: refused
    del original['blocks.2.mlp.fc1.weight']
    torch.save(original, path)
    with pytest.raises(CheckpointError,
                       match='blocks.2.mlp.fc1.weight.*Refusing'):
        tiny_eva(pretrained=str(path)).init_weights()
