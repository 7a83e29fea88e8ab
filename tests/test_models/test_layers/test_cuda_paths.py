# Copyright (c) mmunirgbir contributors. All rights reserved.
"""The adapter on a GPU (skipped on machines without CUDA, such as CI).

Mixed precision on a GPU is tested with the backbone's other tests.
"""
import pytest
import torch
from mmcv.ops.multi_scale_deform_attn import \
    multi_scale_deformable_attn_pytorch

import mmunirgbir  # noqa: F401
from mmunirgbir.models import UniRGBIRViT
from mmunirgbir.models.layers import ValueMapDeformableAttention
from mmunirgbir.models.layers.value_map_deformable_attention import \
    mmcv_cuda_kernel_available
from ..literal_unirgbir import (literal_backbone,
                                multi_scale_deformable_sampling)

pytestmark = pytest.mark.skipif(
    not torch.cuda.is_available(), reason='needs a CUDA GPU')

SHAPES = [(16, 20), (8, 10), (4, 5)]
TINY = dict(
    vit_cfg=dict(embed_dim=64, depth=4, num_heads=2),
    sfi_cfg=dict(num_heads=4, init_gamma=0.5),
    global_attn_indexes=(1, 3),
    out_indices=(0, 1, 2, 3),
    mfp_cfg=dict(stem_channels=16, pyramid_channels=(16, 32, 32)))


def _inputs(device):
    torch.manual_seed(0)
    nv = sum(h * w for h, w in SHAPES)
    value = torch.randn(2, nv, 4, 8, device=device, requires_grad=True)
    loc = (torch.rand(2, 50, 4, 3, 4, 2, device=device) * 1.4 - 0.2)
    weights = torch.rand(2, 50, 4, 3, 4, device=device)
    return value, loc.requires_grad_(), weights.requires_grad_()


def test_sampling_on_cuda_matches_mmcv_reference():
    value, loc, weights = _inputs('cuda')
    ref = multi_scale_deformable_attn_pytorch(value, SHAPES, loc, weights)
    ours = multi_scale_deformable_sampling(value, SHAPES, loc, weights)
    torch.testing.assert_close(ours, ref, rtol=1e-5, atol=1e-5)
    g = torch.randn_like(ref)
    for a, b in zip(
            torch.autograd.grad(ours, [value, loc, weights], g),
            torch.autograd.grad(ref, [value, loc, weights], g)):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-4)


@pytest.mark.skipif(
    not mmcv_cuda_kernel_available(), reason='mmcv built without CUDA')
def test_mmcv_kernel_equals_pytorch_path():
    torch.manual_seed(0)
    attn = ValueMapDeformableAttention(
        embed_dims=64, value_dims=32, num_heads=4, num_levels=3,
        num_points=4).cuda()
    for p in attn.parameters():
        p.data.normal_(std=0.3)
    query = torch.randn(2, 30, 64, device='cuda')
    ref_points = torch.rand(1, 30, 2, device='cuda')
    maps = [torch.randn(2, 32, h, w, device='cuda') for h, w in SHAPES]
    assert attn.uses_cuda_kernel(query)
    kernel = attn(query, ref_points, maps)
    pytorch = attn.cpu()(query.cpu(), ref_points.cpu(),
                         [m.cpu() for m in maps])
    torch.testing.assert_close(kernel.cpu(), pytorch, rtol=1e-4, atol=1e-4)


def test_backbone_on_cuda_equals_literal_formulation():
    torch.manual_seed(0)
    model = UniRGBIRViT(**TINY).cuda().train()
    x = torch.randn(2, 6, 64, 96, device='cuda')
    for a, b in zip(model(x), literal_backbone(model, x)):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-4)
