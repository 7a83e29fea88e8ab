# Copyright (c) mmunirgbir contributors. All rights reserved.
"""count_params, the ViT model converter and browse_dataset."""
import json
import os
import os.path as osp
import subprocess
import sys

import cv2
import pytest
import torch

from mmunirgbir.models import UniRGBIRViT
from mmunirgbir.testing import make_synthetic_detection_set

from ..conftest import load_tool


REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _run(*args, ok=True):
    proc = subprocess.run([sys.executable, *args], cwd=REPO,
                          capture_output=True, text=True, timeout=600)
    if ok:
        assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    return proc


def test_count_params_reference_detector():
    out = _run('tools/analysis_tools/count_params.py',
               'configs/unirgbir/cascade-rcnn_unirgbir-vit-b_simplefpn_'
               '16xb4-lsj-100e_flir-aligned.py', '--json').stdout
    rows = json.loads(out.strip().splitlines()[-1])
    assert rows['backbone']['trainable'] == 8_904_400
    assert rows['backbone.vit']['trainable'] == 0
    assert rows['backbone.vit']['frozen'] == 85_795_584
    assert rows['backbone.mfp.level_embed']['trainable'] == 2_304
    table = _run('tools/analysis_tools/count_params.py',
                 'configs/unirgbir/cascade-rcnn_unirgbir-vit-b_simplefpn_'
                 '16xb4-lsj-100e_flir-aligned.py').stdout
    assert '8,904,400' in table


def test_converter_resamples_real_dinov2(dinov2_weights, tmp_path):
    out = str(tmp_path / 'dinov2_p16.pth')
    proc = _run('tools/model_converters/vit2unirgbir.py', str(dinov2_weights),
                out, '--vit-name', 'vit_small_patch14_dinov2',
                '--patch-size', '16', '--img-size', '224')
    assert 'patch 14x14 -> 16x16' in proc.stdout
    assert 'dropped 1 class-token position' in proc.stdout
    assert 'cls_token' in proc.stdout  # listed as not used
    state = torch.load(out, weights_only=True)
    assert state['pos_embed'].shape == (1, 196, 384)
    model = UniRGBIRViT(vit_name='vit_small_patch14_dinov2', patch_size=16,
                        img_size=224, sfi_cfg=dict(num_heads=6),
                        pretrained=out)
    model.init_weights()  # raises on any missing ViT weight
    assert torch.equal(model.vit.blocks[3].mlp.fc1.weight,
                       state['blocks.3.mlp.fc1.weight'])
    # a checkpoint with foreign key names is refused, nothing written
    bad = str(tmp_path / 'bad.pth')
    torch.save({k.replace('blocks', 'layers'): v
                for k, v in torch.load(dinov2_weights,
                                       weights_only=True).items()}, bad)
    proc = _run('tools/model_converters/vit2unirgbir.py', bad,
                str(tmp_path / 'x.pth'), '--vit-name',
                'vit_small_patch14_dinov2', ok=False)
    assert proc.returncode == 1 and 'MISSING' in proc.stdout
    assert not osp.exists(tmp_path / 'x.pth')


def test_browse_dataset_shows_both_modalities(tmp_path):
    root = str(tmp_path / 'data')
    make_synthetic_detection_set(root, 3, split='train')
    out = str(tmp_path / 'browse')
    _run('tools/analysis_tools/browse_dataset.py',
         'configs/demo/faster-rcnn_unirgbir-vit-tiny_simplefpn_1xb4-12e_'
         'synthetic-rgbir.py', '--out-dir', out, '--num', '2',
         '--cfg-options', f'train_dataloader.dataset.data_root={root}')
    files = sorted(os.listdir(out))
    assert len(files) == 2
    img = cv2.imread(osp.join(out, files[0]))
    assert img.shape[1] == 3 * img.shape[0] * 160 // 128
    # the middle panel is the (grey) IR image
    mid = img[:, img.shape[1] // 3:2 * img.shape[1] // 3]
    assert (mid[..., 0] == mid[..., 2]).mean() > 0.9


def test_benchmark_steps_run_on_a_tiny_backbone():
    """Every step the benchmark times or measures runs (no timing checked)."""
    bench = load_tool('analysis_tools/benchmark.py')
    tiny = dict(
        vit_cfg=dict(embed_dim=64, depth=4, num_heads=2),
        sfi_cfg=dict(num_heads=4),
        global_attn_indexes=(1, 3),
        mfp_cfg=dict(stem_channels=16, pyramid_channels=(16, 32, 32)))
    sides = [side for pair in bench.TIME_PAIRS.values() for side in pair]
    sides += [(kw, 'train') for kw in bench.MEM_MODES.values()]
    for kwargs, what in sides:
        if kwargs.get('window_size'):
            kwargs = dict(kwargs, window_size=3)
        model, step = bench.make_step(kwargs, what, (64, 96), 'cpu', **tiny)
        before = {n: p.detach().clone() for n, p in model.named_parameters()}
        step()
        changed = {
            n for n, p in model.named_parameters()
            if not torch.equal(p, before[n])
        }
        if what == 'train':
            assert changed and (kwargs.get('freeze_vit', True) ==
                                all(not n.startswith('vit.')
                                    for n in changed))
        elif what == 'vit_train':
            assert changed and all(n.startswith('vit.') for n in changed)
        else:
            assert not changed
    # the forward's time split into its parts (profiler ranges opened by
    # module hooks): each part is timed, and they add up to the forward
    shares = bench.measure_breakdown('infer', 'cpu', 1, (64, 96), **tiny)
    assert set(shares) == {'vit', 'front_end', 'deformable_attention', 'rest'}
    assert all(v > 0 for v in shares.values()), shares
    assert sum(shares.values()) == pytest.approx(1)
    # the training step split into phases, the backward into its parts
    train = bench.measure_breakdown('train', 'cpu', 1, (64, 96), **tiny)
    assert set(train) == {'forward', 'backward', 'optimizer', 'backward_parts'}
    assert all(train[k] > 0 for k in ('forward', 'backward', 'optimizer'))
    parts = train['backward_parts']
    assert set(parts) == {
        'vit_attention', 'vit_mlp', 'deformable_sampling', 'mfp_convolutions',
        'rest'
    }
    assert all(v > 0 for v in parts.values()), parts
    assert sum(parts.values()) == pytest.approx(train['backward'])


def test_mmcv_ops_report_reads_the_kernels_a_build_holds(tmp_path, capsys):
    """The installed (CPU) mmcv has CPU kernels for RoIAlign and NMS and no
    CUDA kernel; a library that holds the CUDA kernels' symbols passes
    ``--require-cuda``."""
    import json
    tool = load_tool('misc/mmcv_ops_report.py')
    found = tool.kernels(tool.extension_path())
    assert found['RoIAlign']['cpu'] and found['nms']['cpu']
    assert found['MultiScaleDeformableAttnFunction']['cpu'] is None
    fake = tmp_path / '_ext.so'
    fake.write_bytes(b'\0'.join(
        f'_Z{len(s)}{s}N2at6TensorE'.encode()
        for spec in tool.OPS.values() for s in (spec['cpu'], spec['cuda'])
        if s))
    assert tool.main(['--ext', str(fake), '--require-cuda']) == 0
    report = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert report['missing_cuda'] == []
    fake.write_bytes(fake.read_bytes().replace(b'nms_cuda', b'nms_xxxx'))
    assert tool.main(['--ext', str(fake), '--require-cuda']) == 1
    assert 'no CUDA kernel for: nms' in capsys.readouterr().err
    with pytest.raises(SystemExit):
        tool.main(['--ext', str(tmp_path / 'missing.so')])
