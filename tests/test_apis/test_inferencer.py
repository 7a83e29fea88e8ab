# Copyright (c) mmunirgbir contributors. All rights reserved.
import json
import os
import os.path as osp
import shutil

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmunirgbir.apis import UniRGBIRInferencer
from mmunirgbir.testing import (make_synthetic_detection_set,
                                make_synthetic_segmentation_set)

from ..conftest import load_tool, write_random_checkpoint

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO = osp.join(
    REPO, 'configs/demo/'
    'faster-rcnn_unirgbir-vit-tiny_simplefpn_1xb4-12e_synthetic-rgbir.py')
SOD = osp.join(REPO, 'configs/unirgbir_seg/'
               'setr-mla_unirgbir-vit-b_1xb4-80k_vt5000-416x416.py')
MFNET = osp.join(REPO, 'configs/unirgbir_seg/'
                 'setr-mla_unirgbir-vit-b_1xb4-80k_mfnet-480x640.py')


def _tiny_seg_cfg(path):
    cfg = Config.fromfile(path)
    cfg.model.backbone.update(
        vit_cfg=dict(embed_dim=64, depth=4, num_heads=2),
        sfi_cfg=dict(num_heads=4),
        mfp_cfg=dict(stem_channels=16, pyramid_channels=(16, 32, 32)))
    cfg.model.neck.in_channels = [64] * 4
    return cfg


@pytest.fixture(scope='module')
def det_checkpoint(tmp_path_factory):
    """A demo detector checkpoint in mmengine's format."""
    return write_random_checkpoint(
        DEMO, str(tmp_path_factory.mktemp('ckpt') / 'det.pth'),
        meta=dict(dataset_meta=dict(classes=('person', 'car'))))


@pytest.fixture(scope='module')
def pairs(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('pairs'))
    make_synthetic_detection_set(root, 3, split='s')
    return osp.join(root, 's', 'visible'), osp.join(root, 's', 'infrared')


def test_single_pair_and_arrays(det_checkpoint, pairs, tmp_path):
    inf = UniRGBIRInferencer(DEMO, det_checkpoint, score_thr=0.0)
    assert inf.task == 'det'
    rgb, ir = (osp.join(d, '0000.png') for d in pairs)
    res = inf(rgb, ir, out_dir=str(tmp_path))
    sample = res['predictions']['0000']
    assert sample.pred_instances.bboxes.shape[1] == 4
    vis = cv2.imread(str(tmp_path / 'vis' / '0000.png'))
    assert vis.shape == (128, 3 * 160, 3)  # RGB | IR | predictions
    pred = json.load(open(tmp_path / 'preds' / '0000.json'))
    assert set(pred) == {'bboxes', 'scores', 'labels', 'classes'}
    assert len(pred['bboxes']) == len(pred['scores']) > 0
    assert set(pred['classes']) <= {'person', 'car'}
    arrays = inf(cv2.imread(rgb), cv2.imread(ir, 0))
    a = arrays['predictions']['image'].pred_instances
    assert torch.allclose(a.scores, sample.pred_instances.scores)


def test_folders_list_unpaired_files(det_checkpoint, pairs, tmp_path):
    rgb_dir, ir_dir = (str(tmp_path / n) for n in ('rgb', 'ir'))
    shutil.copytree(pairs[0], rgb_dir)
    shutil.copytree(pairs[1], ir_dir)
    os.remove(osp.join(ir_dir, '0002.png'))
    shutil.copy(osp.join(ir_dir, '0000.png'), osp.join(ir_dir, 'extra.png'))
    inf = UniRGBIRInferencer(DEMO, det_checkpoint)
    res = inf(rgb_dir, ir_dir, out_dir=str(tmp_path / 'out'), batch_size=2)
    assert sorted(res['predictions']) == ['0000', '0001']
    assert sorted(osp.basename(p) for p in res['unpaired']) == [
        '0002.png', 'extra.png']
    assert (tmp_path / 'out' / 'unpaired.txt').read_text().count('\n') == 2
    assert len(os.listdir(tmp_path / 'out' / 'vis')) == 2


def test_videos_frame_synchronous(det_checkpoint, pairs, tmp_path):
    paths = []
    for name, folder in (('rgb', pairs[0]), ('ir', pairs[1])):
        path = str(tmp_path / f'{name}.avi')
        writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'MJPG'), 5,
                                 (160, 128))
        for i in range(3):
            frame = cv2.imread(osp.join(folder, f'{i:04d}.png'))
            writer.write(frame)
        writer.release()
        paths.append(path)
    inf = UniRGBIRInferencer(DEMO, det_checkpoint)
    res = inf(*paths, out_dir=str(tmp_path / 'out'))
    assert sorted(res['predictions']) == ['000000', '000001', '000002']
    cap = cv2.VideoCapture(str(tmp_path / 'out' / 'vis.mp4'))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 3
    assert int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)) == 3 * 160
    assert len(os.listdir(tmp_path / 'out' / 'preds')) == 3


def test_segmentation_model_writes_label_maps(tmp_path):
    cfg = _tiny_seg_cfg(MFNET)
    root = make_synthetic_segmentation_set(str(tmp_path / 'pst'), 'folders',
                                           num_images=1, size=(60, 80))
    inf = UniRGBIRInferencer(cfg)
    assert inf.task == 'seg'
    inf(osp.join(root, 'rgb', '0000.png'), osp.join(root, 'thermal',
                                                    '0000.png'),
        out_dir=str(tmp_path))
    label = cv2.imread(str(tmp_path / 'preds' / '0000.png'),
                       cv2.IMREAD_UNCHANGED)
    assert label.shape == (60, 80) and label.max() < 9
    vis = cv2.imread(str(tmp_path / 'vis' / '0000.png'))
    assert vis.shape == (60, 240, 3)
    # the third panel is a colour overlay, not the RGB image itself
    assert not np.array_equal(vis[:, 160:], vis[:, :80])


def test_saliency_model_writes_grey_maps(tmp_path):
    cfg = _tiny_seg_cfg(SOD)
    root = make_synthetic_segmentation_set(str(tmp_path / 'vt'), 'saliency',
                                           num_images=2, size=(60, 80))
    inf = UniRGBIRInferencer(cfg)
    assert inf.task == 'sod'
    inf(osp.join(root, 'RGB'), osp.join(root, 'T'), out_dir=str(tmp_path))
    pred = cv2.imread(str(tmp_path / 'preds' / '0000.png'),
                      cv2.IMREAD_UNCHANGED)
    assert pred.shape == (60, 80) and pred.dtype == np.uint8
    assert cv2.imread(str(tmp_path / 'vis' / '0000.png')).shape == (60, 240,
                                                                    3)


# --------------------------------------------------------------------------- #
# bad input: a clear error, never a silent wrong result
# --------------------------------------------------------------------------- #
def _video(path, folder, size=(160, 128), frames=2):
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'MJPG'), 5,
                             size)
    for i in range(frames):
        writer.write(cv2.resize(cv2.imread(osp.join(folder, f'{i:04d}.png')),
                                size))
    writer.release()
    return str(path)


def test_checkpoint_that_does_not_fit_is_refused(det_checkpoint, tmp_path):
    """Mismatched keys used to leave a random backbone and exit 0."""
    ckpt = torch.load(det_checkpoint, weights_only=False)
    state = ckpt['state_dict']
    missing = next(k for k in state if k.startswith('backbone.mfp'))
    state.pop(missing)
    state['neck.not_a_layer.weight'] = torch.zeros(1)
    path = str(tmp_path / 'other.pth')
    torch.save(ckpt, path)
    with pytest.raises(RuntimeError) as e:
        UniRGBIRInferencer(DEMO, path)
    msg = str(e.value)
    assert 'other.pth does not fit' in msg and missing in msg
    assert 'neck.not_a_layer.weight' in msg


@pytest.mark.parametrize('batch_size', [0, -3])
def test_batch_size_must_be_positive(det_checkpoint, pairs, batch_size):
    inf = UniRGBIRInferencer(DEMO, det_checkpoint)
    with pytest.raises(ValueError, match='batch_size must be a positive'):
        inf(*pairs, batch_size=batch_size)
    infer = load_tool('infer.py')
    with pytest.raises(Exception, match='must be at least 1'):
        infer.positive_int(str(batch_size))


def test_video_with_a_still_image_is_refused(det_checkpoint, pairs, tmp_path):
    video = _video(tmp_path / 'rgb.avi', pairs[0])
    still = osp.join(pairs[1], '0000.png')
    inf = UniRGBIRInferencer(DEMO, det_checkpoint)
    with pytest.raises(ValueError, match=r'the video .*rgb\.avi and the '
                       r'image .*0000\.png'):
        inf(video, still)
    with pytest.raises(ValueError, match=r'the image .*0000\.png and the '
                       r'video .*rgb\.avi'):
        inf(still, video)


def test_video_size_mismatch_names_the_ir_stream(det_checkpoint, pairs,
                                                 tmp_path):
    rgb = _video(tmp_path / 'rgb.avi', pairs[0])
    ir = _video(tmp_path / 'ir.avi', pairs[1], size=(80, 64))
    inf = UniRGBIRInferencer(DEMO, det_checkpoint)
    with pytest.raises(ValueError, match=r'ir\.avi#0 is 80x64.*--resize-ir'):
        inf(rgb, ir)
    res = UniRGBIRInferencer(DEMO, det_checkpoint, resize_ir=True)(rgb, ir)
    assert sorted(res['predictions']) == ['000000', '000001']


def test_folders_that_pair_nothing_and_stale_lists(det_checkpoint, pairs,
                                                   tmp_path):
    rgb_dir, ir_dir = tmp_path / 'rgb', tmp_path / 'ir'
    rgb_dir.mkdir()
    ir_dir.mkdir()
    shutil.copy(osp.join(pairs[0], '0000.png'), rgb_dir / 'a.png')
    shutil.copy(osp.join(pairs[1], '0000.png'), ir_dir / 'b.png')
    inf = UniRGBIRInferencer(DEMO, det_checkpoint)
    with pytest.raises(ValueError, match=r'no RGB-IR pairs: no image in '
                       r'.*rgb has a partner of the same name in .*ir'):
        inf(str(rgb_dir), str(ir_dir), out_dir=str(tmp_path / 'out'))
    shutil.copy(osp.join(pairs[1], '0000.png'), ir_dir / 'a.png')
    inf(str(rgb_dir), str(ir_dir), out_dir=str(tmp_path / 'out'))
    assert (tmp_path / 'out' / 'unpaired.txt').read_text() == \
        str(ir_dir / 'b.png') + '\n'
    os.remove(ir_dir / 'b.png')
    inf(str(rgb_dir), str(ir_dir), out_dir=str(tmp_path / 'out'))
    # a later, fully paired run into the same folder leaves no stale list
    assert not (tmp_path / 'out' / 'unpaired.txt').exists()


def test_infer_script_exits_non_zero_with_the_message(det_checkpoint, pairs,
                                                      tmp_path):
    import subprocess
    import sys
    (tmp_path / 'rgb').mkdir()
    (tmp_path / 'ir').mkdir()
    shutil.copy(osp.join(pairs[0], '0000.png'), tmp_path / 'rgb' / 'a.png')
    shutil.copy(osp.join(pairs[1], '0000.png'), tmp_path / 'ir' / 'b.png')
    run = subprocess.run(
        [sys.executable, osp.join(REPO, 'tools', 'infer.py'), DEMO,
         det_checkpoint, '--rgb', str(tmp_path / 'rgb'), '--ir',
         str(tmp_path / 'ir'), '--out-dir', str(tmp_path / 'out')],
        capture_output=True, text=True)
    assert run.returncode == 1
    assert 'error: no RGB-IR pairs' in run.stderr
    assert 'Traceback' not in run.stderr


# --------------------------------------------------------------------------- #
# one modality missing
# --------------------------------------------------------------------------- #
def test_detection_with_one_modality(det_checkpoint, pairs, tmp_path):
    """RGB only / IR only equal the pair with the other half routed away."""
    rgb, ir = (osp.join(d, '0000.png') for d in pairs)
    inf = UniRGBIRInferencer(DEMO, det_checkpoint, score_thr=0.0)
    only_ir = inf(None, ir, out_dir=str(tmp_path / 'ir'))
    sample = only_ir['predictions']['0000']
    assert sample.metainfo['missing_modality'] == 'rgb'
    # the same as the fused model fed IR in both halves (the IR baseline)
    img_ir = cv2.imread(ir)
    backbone = inf.model.backbone
    backbone.modality = 'ir'
    try:
        baseline = inf(img_ir, img_ir)['predictions']['image']
    finally:
        backbone.modality = 'rgbir'
    torch.testing.assert_close(sample.pred_instances.scores,
                               baseline.pred_instances.scores)
    vis = cv2.imread(str(tmp_path / 'ir' / 'vis' / '0000.png'))
    assert vis.shape == (128, 3 * 160, 3)
    assert vis[:, :160].std() < vis[:, 160:320].std()  # the marked panel
    only_rgb = inf(cv2.imread(rgb), None)['predictions']['image']
    assert only_rgb.metainfo['missing_modality'] == 'ir'
    # folders: one side only runs every image, flagged
    res = inf(pairs[0], None)
    assert sorted(res['predictions']) == ['0000', '0001', '0002']
    with pytest.raises(ValueError, match='give an RGB input, an IR input'):
        inf(None, None)


def test_unpaired_files_run_only_when_asked(det_checkpoint, pairs, tmp_path):
    rgb_dir, ir_dir = (str(tmp_path / n) for n in ('rgb', 'ir'))
    shutil.copytree(pairs[0], rgb_dir)
    shutil.copytree(pairs[1], ir_dir)
    os.remove(osp.join(ir_dir, '0002.png'))
    inf = UniRGBIRInferencer(DEMO, det_checkpoint)
    skipped = inf(rgb_dir, ir_dir, out_dir=str(tmp_path / 'a'))
    assert sorted(skipped['predictions']) == ['0000', '0001']
    ran = inf(rgb_dir, ir_dir, out_dir=str(tmp_path / 'b'),
              run_unpaired=True)
    assert sorted(ran['predictions']) == ['0000', '0001', '0002']
    assert ran['predictions']['0002'].metainfo['missing_modality'] == 'ir'
    assert (tmp_path / 'b' / 'unpaired.txt').read_text().strip().endswith(
        '0002.png')


@pytest.mark.parametrize('task', ['seg', 'sod'])
def test_segmentation_and_saliency_with_one_modality(task, tmp_path):
    inf = UniRGBIRInferencer(_tiny_seg_cfg(MFNET if task == 'seg' else SOD))
    root = make_synthetic_segmentation_set(str(tmp_path / 'd'), 'folders',
                                           num_images=1, size=(60, 80))
    ir = osp.join(root, 'thermal', '0000.png')
    res = inf(None, ir, out_dir=str(tmp_path / 'out'))
    sample = res['predictions']['0000']
    assert sample.metainfo['missing_modality'] == 'rgb'
    pred = cv2.imread(str(tmp_path / 'out' / 'preds' / '0000.png'),
                      cv2.IMREAD_UNCHANGED)
    assert pred.shape == (60, 80)
    rgb = osp.join(root, 'rgb', '0000.png')
    assert inf(rgb, None)['predictions']['0000'].metainfo[
        'missing_modality'] == 'ir'


def test_fusion_options_serve_pairs_and_single_images(pairs, tmp_path):
    """A two-stream detector with the alignment step: pairs, and one image
    routed per sample, through the same inferencer (tools/infer.py)."""
    config = tmp_path / 'both.py'
    config.write_text(
        f'_base_ = [{DEMO!r}]\n'
        "model = dict(backbone=dict(vit_input='both', mfp_cfg=dict("
        'alignment_cfg=dict())))\n')
    ckpt = write_random_checkpoint(
        str(config), str(tmp_path / 'both.pth'),
        meta=dict(dataset_meta=dict(classes=('person', 'car'))))
    inf = UniRGBIRInferencer(str(config), ckpt, score_thr=0.0)
    assert inf.model.backbone.vit_input == 'both'
    rgb, ir = (osp.join(d, '0000.png') for d in pairs)
    fused = inf(rgb, ir, out_dir=str(tmp_path / 'out'))
    assert fused['predictions']['0000'].pred_instances.bboxes.shape[1] == 4
    assert (tmp_path / 'out' / 'preds' / '0000.json').is_file()
    only_ir = inf(None, ir)['predictions']['0000']
    assert only_ir.metainfo['missing_modality'] == 'rgb'


def test_mmengine_inferencer_api_and_progress(det_checkpoint, pairs, tmp_path,
                                              monkeypatch, capsys):
    """A BaseInferencer with mmdet's options; folders show progress."""
    from mmengine.infer import BaseInferencer

    from mmunirgbir.apis import inferencer as module
    assert issubclass(UniRGBIRInferencer, BaseInferencer)
    tracked = []

    def track(sequence, total=None, description=''):
        tracked.append(total)
        yield from sequence

    monkeypatch.setattr(module, 'track', track)
    inf = UniRGBIRInferencer(DEMO, det_checkpoint, score_thr=0.0)
    res = inf(*pairs, out_dir=str(tmp_path / 'out'), batch_size=2,
              return_datasamples=False, return_vis=True, no_save_vis=True,
              print_result=True, pred_score_thr=0.5)
    assert tracked == [2]  # 3 pairs in batches of 2
    assert sorted(res['predictions']) == ['0000', '0001', '0002']
    pred = res['predictions']['0000']
    assert set(pred) == {'bboxes', 'scores', 'labels', 'classes'}
    assert all(s >= 0.5 for s in pred['scores'])
    assert res['visualization']['0000'].shape == (128, 3 * 160, 3)
    assert not (tmp_path / 'out' / 'vis').exists()
    assert len(os.listdir(tmp_path / 'out' / 'preds')) == 3
    printed = [json.loads(line) for line in
               capsys.readouterr().out.splitlines() if line.startswith('{')]
    assert [p['name'] for p in printed] == ['0000', '0001', '0002']
    inf(*pairs, out_dir=str(tmp_path / 'quiet'), no_save_pred=True,
        progress=False)
    assert tracked == [2]
    assert not (tmp_path / 'quiet' / 'preds').exists()
    assert len(os.listdir(tmp_path / 'quiet' / 'vis')) == 3
