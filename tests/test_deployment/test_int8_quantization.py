# Copyright (c) mmunirgbir contributors. All rights reserved.
"""INT8 quantisation (NNCF, OpenVINO) of an exported graph, calibrated on a
config's pairs, and the graph in place of a model's backbone and neck."""
import json
import sys

import pytest
import torch
from mmengine.config import Config

from mmunirgbir.apis import UniRGBIRInferencer
from mmunirgbir.deployment import build_exportable, export_onnx
from mmunirgbir.deployment.int8_quantization import calibration_batches
from mmunirgbir.testing import make_synthetic_detection_set

from ..conftest import REPO, load_tool, write_random_checkpoint

#: the OpenVINO runtime of tools/deployment/quantize.py
openvino_features = load_tool('deployment/openvino_features.py')
OpenVINOFeatures = openvino_features.OpenVINOFeatures
PerShapeCompiledModel = openvino_features.PerShapeCompiledModel
compile_openvino = openvino_features.compile_openvino

DEMO = REPO / ('configs/demo/'
               'faster-rcnn_unirgbir-vit-tiny_simplefpn_1xb4-12e_'
               'synthetic-rgbir.py')


@pytest.fixture(scope='module')
def exported(tmp_path_factory):
    """The demo detector (random weights) on a small synthetic set, and its
    exported feature graph (128x160, the test pipeline's size)."""
    tmp = tmp_path_factory.mktemp('int8')
    data = str(tmp / 'data')
    make_synthetic_detection_set(data, 6, split='train', seed=0)
    make_synthetic_detection_set(data, 3, split='val', seed=1)
    config = tmp / 'demo.py'
    config.write_text(f"""
_base_ = {str(DEMO)!r}
train_dataloader = dict(dataset=dict(data_root={data!r}))
val_dataloader = dict(batch_size=1, dataset=dict(data_root={data!r}))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file={data + '/val.json'!r})
test_evaluator = val_evaluator
""")
    ckpt = write_random_checkpoint(str(config), str(tmp / 'demo.pth'))
    model = UniRGBIRInferencer(str(config), ckpt).model.cpu().eval()
    exportable = build_exportable(model, backbone_only=True)
    g = torch.Generator().manual_seed(0)
    rgb = torch.randint(0, 256, (1, 3, 128, 160), generator=g,
                        dtype=torch.uint8)
    ir = torch.randint(0, 256, (1, 1, 128, 160), generator=g,
                       dtype=torch.uint8)
    path = str(tmp / 'demo.onnx')
    export_onnx(exportable, (rgb, ir), path, metadata=exportable.metadata())
    return tmp, str(config), ckpt, path, model


def test_graph_in_place_of_backbone_and_neck_gives_the_same_features(
        exported):
    """Real pairs through the config's test pipeline and data preprocessor
    (padding included), turned back into raw pixels for the graph: its
    features equal PyTorch's backbone + neck."""
    _, config, _, path, model = exported
    batches = calibration_batches(Config.fromfile(config), 4)
    assert len(batches) == 4
    assert batches[0].shape == (1, 6, 128, 160)
    with torch.no_grad():
        expected = model.extract_feat(batches[1])
        features = OpenVINOFeatures(compile_openvino(path),
                                    model.data_preprocessor.mean,
                                    model.data_preprocessor.std)
        got = features(batches[1])
    assert len(got) == len(expected) == 4
    for e, o in zip(expected, got):
        torch.testing.assert_close(o, e, atol=1e-3, rtol=1e-3)
    with pytest.raises(ValueError, match='precision must be one of'):
        compile_openvino(path, 'fp8')


def test_per_shape_compiled_model_fixes_each_shape_it_meets(exported):
    """The graph compiled for each input shape, that shape fixed (the
    export's batch is free): the same features as the graph of free
    shapes, one compilation per shape."""
    _, config, _, path, model = exported
    batches = calibration_batches(Config.fromfile(config), 2)
    pre = model.data_preprocessor
    free = OpenVINOFeatures(compile_openvino(path), pre.mean, pre.std)
    per_shape = PerShapeCompiledModel(path)
    fixed = OpenVINOFeatures(per_shape, pre.mean, pre.std)
    two = torch.cat(batches)
    for inputs in (batches[0], batches[1], two):
        for e, o in zip(free(inputs), fixed(inputs)):
            torch.testing.assert_close(o, e, atol=1e-4, rtol=1e-4)
    assert len(per_shape.compiled) == 2  # batch 1 and batch 2
    for compiled in per_shape.compiled.values():
        assert all(i.get_partial_shape().is_static for i in compiled.inputs)
    assert not per_shape.inputs[0].get_partial_shape().is_static
    with pytest.raises(ValueError, match='precision must be one of'):
        PerShapeCompiledModel(path, 'int4')


def test_quantize_tool_writes_int8_and_measures_each_precision(
        exported, monkeypatch, capsys):
    tmp, config, ckpt, path, _ = exported
    tool = load_tool('deployment/quantize.py')
    out = str(tmp / 'demo_int8.xml')
    monkeypatch.setattr(sys, 'argv', [
        'quantize.py', path, config, '--calib', '3', '--out', out,
        '--checkpoint', ckpt, '--runs', '1', '--work-dir',
        str(tmp / 'work'), '--metric', 'coco/bbox_mAP_50',
        '--threads', str(torch.get_num_threads()),  # this worker's share
        '--static-shapes'])
    tool.main()
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary['calibration_pairs'] == 3
    assert summary['static_shapes'] is True
    assert summary['time_shape'] == [128, 160]  # a fixed graph: its size
    results = summary['results']
    assert list(results) == ['pytorch_fp32', 'openvino_fp32',
                             'openvino_bf16', 'openvino_int8',
                             'openvino_int8_bf16']
    for r in results.values():
        assert 0 <= r['metric'] <= 1 and r['time_s'] > 0
    assert results['pytorch_fp32']['drop_points'] == 0
    import openvino as ov
    ops = ov.Core().read_model(out).get_ordered_ops()
    assert 'FakeQuantize' in {op.get_type_name() for op in ops}  # quantised
    # every convolution's weight is stored in INT8 (the stems' batch norms,
    # which the exporter folds into their weights, included)
    convs = [op for op in ops if op.get_type_name() == 'Convolution']
    assert convs
    for conv in convs:
        assert _weight_types(conv) & {'i8', 'u8'}, conv.get_friendly_name()


def _weight_types(op) -> set:
    """Element types of the constants on ``op``'s weight path."""
    types, todo = set(), [op.input(1).get_source_output().get_node()]
    while todo:
        node = todo.pop()
        if node.get_type_name() == 'Constant':
            types.add(node.get_output_element_type(0).get_type_name())
        todo += [node.input(i).get_source_output().get_node()
                 for i in range(node.get_input_size())]
    return types


def test_quantize_refuses_what_it_cannot_calibrate_or_measure(
        exported, tmp_path, monkeypatch):
    tmp, config, ckpt, path, _ = exported
    empty = tmp_path / 'empty.json'
    empty.write_text(json.dumps(dict(
        images=[], annotations=[],
        categories=[dict(id=1, name='person'), dict(id=2, name='car')])))
    cfg = Config.fromfile(config)
    cfg.train_dataloader.dataset.ann_file = str(empty)
    with pytest.raises(ValueError, match='no pairs to calibrate on'):
        calibration_batches(cfg, 4)
    with pytest.raises(ValueError, match='must be >= 1'):
        calibration_batches(cfg, 0)
    tool = load_tool('deployment/quantize.py')
    monkeypatch.setattr(sys, 'argv', [
        'quantize.py', path, config, '--cfg-options',
        f'train_dataloader.dataset.ann_file={empty}'])
    with pytest.raises(SystemExit, match='no pairs to calibrate on'):
        tool.main()
    # an end-to-end graph has no features for the model's heads
    seg = tmp_path / 'seg.onnx'
    import onnx
    model = onnx.load(path)
    for prop in model.metadata_props:
        if prop.key == 'task':
            prop.value = 'seg'
    onnx.save(model, str(seg))
    monkeypatch.setattr(sys, 'argv', ['quantize.py', str(seg), config,
                                      '--checkpoint', ckpt])
    with pytest.raises(SystemExit, match="'seg' graph"):
        tool.main()
