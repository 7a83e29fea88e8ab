# Copyright (c) mmunirgbir contributors. All rights reserved.
"""ONNX export: parity in ONNX Runtime and OpenVINO, dynamic sizes, tools."""
import json
import os
import os.path as osp
import subprocess
import sys
import warnings

import cv2
import numpy as np
import pytest
import torch

from mmunirgbir.apis import UniRGBIRInferencer
from mmunirgbir.deployment import (RawRGBIRInput, build_exportable,
                                   export_onnx, run_onnxruntime,
                                   unmatched_detections)
from mmunirgbir.models import UniRGBIRViT

from ..conftest import REPO, load_tool, shared_path, write_random_checkpoint

MFNET = REPO / ('configs/unirgbir_seg/'
                'setr-mla_unirgbir-vit-b_1xb4-80k_mfnet-480x640.py')
UPERNET = REPO / ('configs/unirgbir_seg/'
                   'upernet_unirgbir-vit-b_1xb4-80k_mfnet-480x640.py')
SOD = REPO / ('configs/unirgbir_seg/'
              'setr-mla_unirgbir-vit-b_1xb4-80k_vt5000-416x416.py')
RETINA = REPO / ('configs/unirgbir/'
                 'retinanet_unirgbir-vit-b_simplefpn_16xb4-lsj-100e_'
                 'flir-aligned.py')
CASCADE = REPO / ('configs/unirgbir/'
                   'cascade-rcnn_unirgbir-vit-b_simplefpn_16xb4-lsj-100e_'
                   'flir-aligned.py')
DEMO = REPO / ('configs/demo/'
               'faster-rcnn_unirgbir-vit-tiny_simplefpn_1xb4-12e_'
               'synthetic-rgbir.py')
TINY_BACKBONE = dict(
    vit_cfg=dict(embed_dim=64, depth=4, num_heads=2),
    # a non-zero gamma: at 0 the adapter would add nothing to compare
    sfi_cfg=dict(num_heads=4, init_gamma=0.5),
    mfp_cfg=dict(stem_channels=16, pyramid_channels=(16, 32, 32)))
TINY_SEG = f"""
_base_ = [__BASE__]
model = dict(
    backbone=dict({TINY_BACKBONE!r}),
    neck=dict(in_channels=[64] * 4))
"""
TINY_RETINA = f"""
_base_ = [__BASE__]
model = dict(
    backbone=dict({TINY_BACKBONE!r}, global_attn_indexes=(1, 3)),
    neck=dict(in_channels=64, out_channels=32),
    bbox_head=dict(in_channels=32, feat_channels=32, stacked_convs=1))
"""


def _tiny_config(tmp_path, template, base) -> str:
    path = tmp_path / f'tiny_{osp.basename(str(base))}'
    path.write_text(template.replace('__BASE__', repr(str(base))))
    return str(path)


def _checkpoint(config, path, zero=()):
    """A random checkpoint; parameters ending in ``zero`` set to 0."""
    write_random_checkpoint(config, path)
    ckpt = torch.load(path, weights_only=False)
    for key, value in ckpt['state_dict'].items():
        if key.endswith(zero):
            value.zero_()
    torch.save(ckpt, path)
    return path


@pytest.fixture(scope='module')
def llvip_pair():
    """One real LLVIP pair, resized to 256x320 (H x W) uint8 tensors in the
    graph layout: rgb (1, 3, H, W) in RGB order, ir (1, 1, H, W)."""
    root = shared_path('data/llvip_mini')
    name = sorted(p.name for p in (root / 'visible').iterdir())[0]
    rgb = cv2.resize(cv2.imread(str(root / 'visible' / name)), (320, 256))
    ir = cv2.resize(
        cv2.imread(str(root / 'infrared' / name), cv2.IMREAD_GRAYSCALE),
        (320, 256))
    return (torch.from_numpy(
        np.ascontiguousarray(rgb[..., ::-1].transpose(2, 0, 1)))[None],
            torch.from_numpy(ir)[None, None], root, name)


def _openvino(path, rgb, ir):
    onnx_infer = load_tool('deployment/onnx_infer.py')
    return list(
        onnx_infer.OnnxRGBIRModel(path, 'openvino')(rgb, ir).values())


class _TinyBackbone(torch.nn.Module):
    output_names = ('stage0', 'stage1')

    def __init__(self, **kwargs):
        super().__init__()
        torch.manual_seed(0)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            # 2 blocks in 2 stages: the dynamic export's time grows with
            # the graph
            self.backbone = UniRGBIRViT(**dict(
                TINY_BACKBONE,
                vit_cfg=dict(embed_dim=64, depth=2, num_heads=2),
                num_stages=2,
                out_indices=(0, 1),
                **kwargs))
        self.preprocess = RawRGBIRInput(
            [123.675, 116.28, 103.53] + [114.495] * 3,
            [58.395, 57.12, 57.375] + [57.63] * 3)

    def forward(self, rgb, ir):
        return self.backbone(self.preprocess(rgb, ir))


def test_backbone_dynamic_sizes_onnxruntime_and_openvino(tmp_path):
    """One dynamic export runs at other sizes (odd ones padded inside the
    graph), batches and 1- or 3-channel IR, in both runtimes."""
    model = _TinyBackbone().eval()
    path = str(tmp_path / 'backbone.onnx')
    g = torch.Generator().manual_seed(0)
    example = (torch.randint(0, 256, (1, 3, 64, 96), generator=g,
                             dtype=torch.uint8),
               torch.randint(0, 256, (1, 1, 64, 96), generator=g,
                             dtype=torch.uint8))
    export_onnx(model, example, path, dynamic=True,
                metadata=dict(task='features'))
    for batch, h, w, c in ((1, 64, 96, 1), (2, 80, 112, 3), (1, 90, 118, 1)):
        rgb = torch.randint(0, 256, (batch, 3, h, w), generator=g,
                            dtype=torch.uint8)
        ir = torch.randint(0, 256, (batch, c, h, w), generator=g,
                           dtype=torch.uint8)
        with torch.no_grad():
            expected = [t.numpy() for t in model(rgb, ir)]
        assert expected[1].shape[-2:] == (-(-h // 16), -(-w // 16))
        for got in (run_onnxruntime(path, rgb.numpy(), ir.numpy()),
                    _openvino(path, rgb.numpy(), ir.numpy())):
            for e, o in zip(expected, got):
                assert o.shape == e.shape
                np.testing.assert_allclose(o, e, atol=1e-3, rtol=0)
    # the adapter is not the identity here: the comparison covers it
    with torch.no_grad():
        x = model.preprocess(rgb, ir)
        assert not torch.allclose(
            model.backbone(x)[1], model.backbone.forward_foundation(x)[1])
    # onnx_infer.py writes a features-only file's outputs as .npz
    pair = {}
    for modality, channels in (('rgb', 3), ('ir', 1)):
        pair[modality] = str(tmp_path / f'{modality}.png')
        cv2.imwrite(pair[modality], rgb[0, :channels].permute(1, 2, 0).numpy())
    load_tool('deployment/onnx_infer.py').main(
        [path, '--rgb', pair['rgb'], '--ir', pair['ir'], '--out-dir',
         str(tmp_path / 'out')])
    saved = np.load(tmp_path / 'out' / 'preds' / 'rgb.npz')
    assert sorted(saved.files) == ['stage0', 'stage1']


@pytest.mark.parametrize('kwargs', [
    dict(vit_input='ir'),
    dict(vit_input='both'),
    dict(vit_input='both', rgb_stream_downsample=2),
    dict(vit_input='both',
         mfp_cfg=dict(stem_channels=16, pyramid_channels=(16, 32, 32),
                      alignment_cfg=dict(max_displacement=2, min_shift=0)))
])
def test_backbone_fusion_options_export(kwargs, tmp_path):
    """The ViT on IR, on both images as two gated streams, or the IR
    alignment step (which also moves the ViT's IR image): each exports with
    the same two inputs and matches PyTorch in ONNX Runtime."""
    model = _TinyBackbone(**kwargs).eval()
    for fusion in model.backbone.stream_fusions:  # not the mean: a real gate
        torch.nn.init.normal_(fusion.gate.weight, std=0.05)
    path = str(tmp_path / 'backbone.onnx')
    g = torch.Generator().manual_seed(0)
    rgb = torch.randint(0, 256, (1, 3, 64, 96), generator=g,
                        dtype=torch.uint8)
    ir = torch.randint(0, 256, (1, 1, 64, 96), generator=g,
                       dtype=torch.uint8)
    export_onnx(model, (rgb, ir), path, metadata=dict(task='features'))
    with torch.no_grad():
        expected = [t.numpy() for t in model(rgb, ir)]
    got = run_onnxruntime(path, rgb.numpy(), ir.numpy())
    for e, o in zip(expected, got):
        np.testing.assert_allclose(o, e, atol=1e-3, rtol=0)


def test_opset_below_16_is_refused(tmp_path):
    """GridSample (the deformable sampling) needs opset 16."""
    with pytest.raises(ValueError, match='GridSample, opset 16'):
        export_onnx(_TinyBackbone(), (None, None), str(tmp_path / 'x.onnx'),
                    opset=15)


def test_raw_input_matches_the_data_preprocessor():
    """Raw pixels in the graph give what the loader + preprocessor give."""
    from mmunirgbir.models.data_preprocessors import RGBIRSegDataPreprocessor
    mean = [123.675, 116.28, 103.53, 114.495, 114.495, 114.495]
    std = [58.395, 57.12, 57.375, 57.63, 57.63, 57.63]
    pre = RGBIRSegDataPreprocessor(mean=mean, std=std)
    rng = np.random.RandomState(0)
    bgr = rng.randint(0, 256, (24, 32, 3)).astype(np.uint8)
    ir = rng.randint(0, 256, (24, 32)).astype(np.uint8)
    # LoadRGBIRImagePair's layout: BGR, then the IR grey level 3 times
    loaded = np.concatenate([bgr, np.repeat(ir[..., None], 3, 2)], 2)
    expected = pre(
        dict(inputs=[torch.from_numpy(loaded.transpose(2, 0, 1).copy())]),
        False)['inputs']
    raw = RawRGBIRInput(mean, std, channel_order='bgr')
    got = raw(torch.from_numpy(bgr.transpose(2, 0, 1).copy())[None],
              torch.from_numpy(ir)[None, None])
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=0)
    # a 3-channel IR image is turned grey with cv2's weights
    ir3 = cv2.cvtColor(ir, cv2.COLOR_GRAY2BGR)
    got3 = raw(torch.from_numpy(bgr.transpose(2, 0, 1).copy())[None],
               torch.from_numpy(ir3.transpose(2, 0, 1).copy())[None])
    torch.testing.assert_close(got3, expected, atol=1e-4, rtol=0)


@pytest.mark.parametrize('task', ['seg', 'sod'])
def test_segmentor_export_end_to_end(task, tmp_path, llvip_pair):
    """Tool export of a tiny segmentor / SOD model; ONNX Runtime and
    OpenVINO match PyTorch on a real LLVIP pair; onnx_infer writes maps."""
    config = _tiny_config(tmp_path, TINY_SEG, MFNET if task == 'seg' else
                          SOD)
    ckpt = _checkpoint(config, str(tmp_path / 'seg.pth'))
    onnx_path = str(tmp_path / f'{task}.onnx')
    rgb, ir, root, name = llvip_pair
    rgb_file, ir_file = (str(root / 'visible' / name),
                         str(root / 'infrared' / name))
    tool = load_tool('deployment/pytorch2onnx.py')
    sys_argv = sys.argv
    try:
        # the segmentor exports with free sizes (mmseg's Upsample would fix
        # them), the SOD model with fixed ones
        sys.argv = [
            'pytorch2onnx.py', config, ckpt, '--out', onnx_path, '--shape',
            '256', '320', '--rgb', rgb_file, '--ir', ir_file
        ] + (['--dynamic'] if task == 'seg' else [])
        tool.main()
    finally:
        sys.argv = sys_argv
    inferencer = UniRGBIRInferencer(config, ckpt)
    exportable = build_exportable(inferencer.model.eval())
    assert exportable.task == task
    # the export works on its own copy: the user's model is not patched
    from mmseg.models.utils import Upsample
    upsamples = [m for m in inferencer.model.modules()
                 if isinstance(m, Upsample)]
    assert upsamples and exportable.model is not inferencer.model
    assert not any('forward' in vars(m) for m in upsamples)
    with torch.no_grad():
        expected = [t.numpy() for t in exportable(rgb, ir)]
    for got in (run_onnxruntime(onnx_path, rgb.numpy(), ir.numpy()),
                _openvino(onnx_path, rgb.numpy(), ir.numpy())):
        np.testing.assert_allclose(got[0], expected[0], atol=1e-3, rtol=0)
        if task == 'seg':
            assert (got[1] == expected[1]).mean() > 0.999
    if task == 'seg':  # another size, not a multiple of the patch
        small = [torch.nn.functional.interpolate(
            t.float(), size=(200, 280)).round().to(torch.uint8)
                 for t in (rgb, ir)]
        with torch.no_grad():
            expected_small = exportable(*small)[0].numpy()
        got_small = run_onnxruntime(onnx_path, *(t.numpy() for t in small))
        assert got_small[0].shape == (1, 9, 200, 280)
        np.testing.assert_allclose(
            got_small[0], expected_small, atol=1e-3, rtol=0)
    # the graph's logits are mmseg's own (same input, same model)
    with torch.no_grad():
        x = exportable.preprocess(rgb, ir)
        metas = [dict(img_shape=(256, 320), ori_shape=(256, 320))]
        mmseg_logits = inferencer.model.encode_decode(x, metas)
    if task == 'sod':
        mmseg_logits = mmseg_logits.sigmoid()
    np.testing.assert_allclose(
        expected[0], mmseg_logits.numpy(), atol=1e-5, rtol=0)
    # standalone inference writes maps at the original resolution
    out = tmp_path / 'out'
    onnx_infer = load_tool('deployment/onnx_infer.py')
    onnx_infer.main([onnx_path, '--rgb', rgb_file, '--ir', ir_file,
                     '--out-dir', str(out)])
    pred = cv2.imread(str(out / 'preds' / (osp.splitext(name)[0] + '.png')),
                      cv2.IMREAD_UNCHANGED)
    assert pred.shape == cv2.imread(rgb_file).shape[:2]
    assert (out / 'vis' / (osp.splitext(name)[0] + '.png')).exists()


def _batch_of_two(llvip_pair):
    """The real pair and its mirror image, as one batch."""
    rgb, ir, _, _ = llvip_pair
    return torch.cat([rgb, rgb.flip(-1)]), torch.cat([ir, ir.flip(-1)])


def _mmdet_predictions(model, exportable, rgb, ir):
    """mmdet's own ``predict`` on the graph's normalised input."""
    from mmdet.structures import DetDataSample
    x = exportable.preprocess(rgb, ir)
    meta = dict(img_shape=tuple(rgb.shape[-2:]),
                ori_shape=tuple(rgb.shape[-2:]), scale_factor=(1., 1.),
                pad_shape=tuple(x.shape[-2:]), batch_input_shape=tuple(
                    x.shape[-2:]))
    samples = [DetDataSample(metainfo=meta) for _ in range(len(rgb))]
    with torch.no_grad():
        return [s.pred_instances for s in model.predict(x, samples, False)]


def _assert_graph_is_mmdet(outputs, predictions):
    """The exportable's (boxes, scores, labels, batch_index) are mmdet's
    predictions, image by image, in mmdet's order."""
    boxes, scores, labels, index = (t.numpy() for t in outputs)
    assert np.all(np.diff(index) >= 0)  # by image
    for i, ref in enumerate(predictions):
        mine = index == i
        np.testing.assert_array_equal(labels[mine], ref.labels.numpy())
        np.testing.assert_allclose(boxes[mine], ref.bboxes.numpy(),
                                   atol=1e-3)
        np.testing.assert_allclose(scores[mine], ref.scores.numpy(),
                                   atol=1e-5)


def _assert_same_detections(got, expected, score_thr):
    """Each detection above ``score_thr`` on either side has a partner on
    the other: same image and label, IoU > 0.99, scores within 1e-3."""
    missing, compared = unmatched_detections(expected, got, score_thr)
    assert compared > 0 and missing == 0, (missing, compared)


def test_retinanet_export_same_detections(tmp_path, llvip_pair):
    """RetinaNet end to end for a batch: ONNX Runtime's and OpenVINO's
    detections on real LLVIP pairs are PyTorch's, and PyTorch's are mmdet's
    own."""
    config = _tiny_config(tmp_path, TINY_RETINA, RETINA)
    # class biases 0: an untrained head then scores about 0.5, above
    # score_thr, so that there are detections to compare
    ckpt = _checkpoint(config, str(tmp_path / 'retina.pth'),
                       zero=('retina_cls.bias', ))
    inferencer = UniRGBIRInferencer(config, ckpt)
    exportable = build_exportable(inferencer.model.eval())
    assert exportable.task == 'det' and 'NMS' in exportable.exported
    rgb, ir = _batch_of_two(llvip_pair)
    path = str(tmp_path / 'retina.onnx')
    export_onnx(exportable, (rgb[:1], ir[:1]), path)
    with torch.no_grad():
        outputs = exportable(rgb, ir)
    predictions = _mmdet_predictions(inferencer.model, exportable, rgb, ir)
    assert all(10 <= len(p) <= 100 for p in predictions)
    _assert_graph_is_mmdet(outputs, predictions)
    for got in (run_onnxruntime(path, rgb.numpy(), ir.numpy()),
                _openvino(path, rgb.numpy(), ir.numpy())):
        _assert_same_detections(got, outputs, 0.3)


def _tiny_cascade_config(tmp_path) -> str:
    """The reference Cascade R-CNN with a tiny backbone and heads."""
    from mmengine.config import Config
    cfg = Config.fromfile(str(CASCADE))
    model = cfg.model
    model.backbone.update(TINY_BACKBONE, global_attn_indexes=(1, 3))
    model.backbone.pop('init_cfg', None)
    model.neck.update(in_channels=64, out_channels=32)
    model.rpn_head.update(in_channels=32, feat_channels=32)
    model.roi_head.bbox_roi_extractor.update(out_channels=32)
    for head in model.roi_head.bbox_head:
        head.update(in_channels=32, conv_out_channels=32, fc_out_channels=64)
    path = str(tmp_path / 'tiny_cascade.py')
    cfg.dump(path)
    return path


@pytest.mark.parametrize('detector', ['faster', 'cascade'])
def test_two_stage_detector_exports_end_to_end(detector, tmp_path,
                                               llvip_pair):
    """Faster R-CNN and Cascade R-CNN end to end for a batch: PyTorch's
    graph gives mmdet's own predictions, and ONNX Runtime and OpenVINO the
    same detections; for Faster R-CNN, onnx_infer.py runs the file on
    images and videos without OpenMMLab."""
    config = str(DEMO) if detector == 'faster' else _tiny_cascade_config(
        tmp_path)
    ckpt = write_random_checkpoint(config, str(tmp_path / 'det.pth'))
    inferencer = UniRGBIRInferencer(config, ckpt)
    exportable = build_exportable(inferencer.model.eval())
    assert exportable.task == 'det'
    assert 'RoIAlign' in exportable.exported
    assert ('3 cascade stages' in exportable.exported) == (detector ==
                                                           'cascade')
    rgb, ir = _batch_of_two(llvip_pair)
    path = str(tmp_path / 'det.onnx')
    export_onnx(exportable, (rgb[:1], ir[:1]), path,
                metadata=exportable.metadata())
    with torch.no_grad():
        outputs = exportable(rgb, ir)
    predictions = _mmdet_predictions(inferencer.model, exportable, rgb, ir)
    assert all(len(p) == 100 for p in predictions)  # max_per_img
    _assert_graph_is_mmdet(outputs, predictions)
    # the untrained heads score every class about alike: compare all
    # detections above the configs' score_thr
    for got in (run_onnxruntime(path, rgb.numpy(), ir.numpy()),
                _openvino(path, rgb.numpy(), ir.numpy())):
        _assert_same_detections(got, outputs, 0.1)
    if detector == 'cascade':
        return
    # a wrong input shape names the shapes the file takes
    onnx_infer = load_tool('deployment/onnx_infer.py')
    model = onnx_infer.OnnxRGBIRModel(path)
    with pytest.raises(ValueError, match=r'det.onnx expects rgb '
                       r'\(B, 3, 256, 320\) and ir \(B, 1 or 3, 256, 320\)'):
        model(rgb.numpy()[:, :, :32], ir.numpy()[:, :, :32])
    with pytest.raises(ValueError, match='got rgb'):
        model(rgb.numpy(), np.repeat(ir.numpy(), 2, 1))
    # the standalone runner works from the file alone: no torch, no
    # OpenMMLab imported
    _, _, root, name = llvip_pair
    code = (
        'import runpy, sys\n'
        f'sys.argv = ["onnx_infer.py", {path!r}, "--rgb", '
        f'{str(root / "visible" / name)!r}, "--ir", '
        f'{str(root / "infrared" / name)!r}, "--out-dir", '
        f'{str(tmp_path / "out")!r}, "--score-thr", "0.1"]\n'
        'runpy.run_path(' +
        repr(str(REPO / 'tools/deployment/onnx_infer.py')) +
        ', run_name="__main__")\n'
        'bad = sorted(m for m in sys.modules if m.split(".")[0] in '
        '("torch", "mmdet", "mmseg", "mmcv", "mmengine", "mmunirgbir"))\n'
        'assert not bad, bad\n')
    subprocess.run([sys.executable, '-c', code], check=True, cwd=tmp_path)
    with open(tmp_path / 'out' / 'preds' /
              f'{osp.splitext(name)[0]}.json') as f:
        saved = json.load(f)
    original = cv2.imread(str(root / 'visible' / name)).shape
    assert saved['bboxes'] and max(
        b[2] for b in saved['bboxes']) > 320  # at the original resolution
    assert max(b[2] for b in saved['bboxes']) <= original[1]
    # two videos, frame by frame: vis.mp4 and one prediction per frame
    videos = []
    for modality in ('visible', 'infrared'):
        frame = cv2.resize(cv2.imread(str(root / modality / name)),
                           (160, 128))
        videos.append(str(tmp_path / f'{modality}.avi'))
        writer = cv2.VideoWriter(videos[-1], cv2.VideoWriter_fourcc(*'MJPG'),
                                 5, (160, 128))
        for shift in range(3):
            writer.write(np.roll(frame, 4 * shift, axis=1))
        writer.release()
    onnx_infer.main([path, '--rgb', videos[0], '--ir', videos[1],
                     '--out-dir', str(tmp_path / 'video')])
    cap = cv2.VideoCapture(str(tmp_path / 'video' / 'vis.mp4'))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 3
    assert int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)) == 3 * 160
    assert sorted(os.listdir(tmp_path / 'video' / 'preds')) == [
        '000000.json', '000001.json', '000002.json']
    with pytest.raises(SystemExit):  # a video with an image
        onnx_infer.main([path, '--rgb', videos[0], '--ir',
                         str(root / 'infrared' / name), '--out-dir',
                         str(tmp_path / 'bad')])


def test_heads_without_an_end_to_end_export_are_named(tmp_path, capsys):
    """A detector whose head has no end-to-end export stops with an error
    that names the head and the way out (--backbone-only)."""
    config = tmp_path / 'soft_nms.py'
    config.write_text(f'_base_ = [{str(DEMO)!r}]\n'
                      'model = dict(test_cfg=dict(rcnn=dict(nms=dict('
                      "type='soft_nms', iou_threshold=0.5))))\n")
    ckpt = write_random_checkpoint(str(config), str(tmp_path / 'det.pth'))
    tool = load_tool('deployment/pytorch2onnx.py')
    sys_argv = sys.argv
    try:
        sys.argv = ['pytorch2onnx.py', str(config), ckpt, '--out',
                    str(tmp_path / 'x.onnx')]
        with pytest.raises(SystemExit, match=r'soft_nms.py: FasterRCNN '
                           r'cannot be exported end to end: roi_head '
                           r"\(StandardRoIHead\): test_cfg nms type "
                           r"'soft_nms'.*--backbone-only"):
            tool.main()
    finally:
        sys.argv = sys_argv
    assert not (tmp_path / 'x.onnx').exists()
    # the features of any model still export
    model = UniRGBIRInferencer(str(config), ckpt).model
    assert build_exportable(model, backbone_only=True).task == 'features'


def test_deploy_benchmark_runs_on_a_tiny_backbone():
    """The deployment benchmark's steps run (no timing checked)."""
    bench = load_tool('analysis_tools/benchmark_deploy.py')
    result = bench.measure(1, size=(64, 96), **TINY_BACKBONE)
    for name in ('onnxruntime', 'openvino'):
        assert result[f'{name}_max_abs_diff'] < 1e-3
        assert result[f'{name}_over_pytorch'] > 0
    assert result['openvino_native_precision'] in ('f32', 'bf16', 'f16')
    for name in ('openvino_bf16', 'openvino_int8', 'openvino_int8_bf16',
                 'openvino_bf16_static', 'openvino_int8_bf16_static'):
        assert result[f'{name}_over_pytorch'] > 0
        assert result[f'{name}_max_abs_diff'] < 1  # lower precision


def test_adaptive_pool_stand_in_keeps_sizes_free(tmp_path):
    """The integral-image adaptive pool equals torch's at any size (bins
    larger and smaller than a cell), and its graph stays right at sizes
    other than the export's, where torch's own lowering fixes the bins."""
    from mmunirgbir.deployment.adaptive_avg_pool import \
        IntegralAdaptiveAvgPool2d
    g = torch.Generator().manual_seed(0)
    for k in (1, 2, 3, 6):
        pool = IntegralAdaptiveAvgPool2d(k)
        for h, w in ((5, 3), (16, 20), (33, 41)):
            x = torch.randn(2, 4, h, w, generator=g)
            torch.testing.assert_close(
                pool(x), torch.nn.functional.adaptive_avg_pool2d(x, k),
                atol=1e-5, rtol=0)
    with pytest.raises(ValueError, match='two positive integers'):
        IntegralAdaptiveAvgPool2d((2, None))

    class Pyramid(torch.nn.Module):
        output_names = ('pooled', )

        def __init__(self):
            super().__init__()
            self.pools = torch.nn.ModuleList(
                IntegralAdaptiveAvgPool2d(k) for k in (1, 2, 3, 6))

        def forward(self, rgb, ir):
            x = torch.cat([rgb, ir], 1).float()
            return torch.cat([p(x).flatten(1) for p in self.pools], 1)

    path = str(tmp_path / 'pool.onnx')
    example = (torch.randint(0, 256, (1, 3, 24, 32), generator=g,
                             dtype=torch.uint8),
               torch.randint(0, 256, (1, 1, 24, 32), generator=g,
                             dtype=torch.uint8))
    export_onnx(Pyramid(), example, path, dynamic=True)
    for h, w in ((24, 32), (37, 29), (13, 50)):
        rgb = torch.randint(0, 256, (1, 3, h, w), generator=g,
                            dtype=torch.uint8)
        ir = torch.randint(0, 256, (1, 3, h, w), generator=g,
                           dtype=torch.uint8)
        got = run_onnxruntime(path, rgb.numpy(), ir.numpy())[0]
        np.testing.assert_allclose(got, Pyramid()(rgb, ir).numpy(),
                                   atol=1e-3, rtol=0)


def test_upernet_export_copy_pools_by_integral_image(tmp_path):
    """UperNet's export copy has the stand-in pools (the user's model keeps
    torch's) and still gives mmseg's logits."""
    from mmunirgbir.deployment.adaptive_avg_pool import \
        IntegralAdaptiveAvgPool2d
    config = _tiny_config(tmp_path, TINY_SEG, UPERNET)
    ckpt = _checkpoint(config, str(tmp_path / 'upernet.pth'))
    model = UniRGBIRInferencer(config, ckpt).model.eval()
    exportable = build_exportable(model)

    def pools(m, kind):
        return [x for x in m.decode_head.modules() if isinstance(x, kind)]

    assert len(pools(exportable.model, IntegralAdaptiveAvgPool2d)) == 4
    assert not pools(exportable.model, torch.nn.AdaptiveAvgPool2d)
    assert len(pools(model, torch.nn.AdaptiveAvgPool2d)) == 4
    g = torch.Generator().manual_seed(0)
    rgb = torch.randint(0, 256, (1, 3, 80, 112), generator=g,
                        dtype=torch.uint8)
    ir = torch.randint(0, 256, (1, 1, 80, 112), generator=g,
                       dtype=torch.uint8)
    with torch.no_grad():
        logits = exportable(rgb, ir)[0]
        x = exportable.preprocess(rgb, ir)
        expected = model.encode_decode(
            x, [dict(img_shape=(80, 112), ori_shape=(80, 112))])
    torch.testing.assert_close(logits, expected, atol=1e-4, rtol=0)
