# Copyright (c) mmunirgbir contributors. All rights reserved.
import cv2
import numpy as np
import pytest
from mmcv.transforms import Compose
from mmengine.registry import init_default_scope

import mmunirgbir  # noqa: F401
from mmunirgbir.datasets.transforms import LoadRGBIRImagePair, ir_to_uint8


def _write(path, img):
    assert cv2.imwrite(str(path), img)
    return str(path)


@pytest.fixture
def pair(tmp_path):
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 255, (20, 30, 3), dtype=np.uint8)
    ir = rng.integers(0, 255, (20, 30), dtype=np.uint8)
    return (rgb, ir, _write(tmp_path / 'a.png', rgb),
            _write(tmp_path / 'a_ir.png', ir))


def test_loads_six_channels(pair):
    rgb, ir, rgb_path, ir_path = pair
    out = LoadRGBIRImagePair()(dict(img_path=rgb_path, ir_path=ir_path))
    img = out['img']
    assert img.shape == (20, 30, 6) and img.dtype == np.uint8
    assert np.array_equal(img[..., :3], rgb)  # BGR, as cv2 wrote it
    for c in range(3, 6):
        assert np.array_equal(img[..., c], ir)
    assert out['img_shape'] == out['ori_shape'] == (20, 30)
    assert out['ir_path'] == ir_path
    assert LoadRGBIRImagePair(to_float32=True)(
        dict(img_path=rgb_path, ir_path=ir_path))['img'].dtype == np.float32


def test_three_channel_and_16_bit_ir(tmp_path, pair):
    rgb, ir, rgb_path, _ = pair
    ir3 = _write(tmp_path / 'ir3.png', np.repeat(ir[..., None], 3, 2))
    out = LoadRGBIRImagePair()(dict(img_path=rgb_path, ir_path=ir3))
    assert np.array_equal(out['img'][..., 3], ir)

    raw = np.linspace(20000, 30000, 600).reshape(20, 30).astype(np.uint16)
    ir16 = _write(tmp_path / 'ir16.png', raw)
    img = LoadRGBIRImagePair()(dict(img_path=rgb_path, ir_path=ir16))['img']
    assert img[..., 3].min() == 0 and img[..., 3].max() == 255
    fixed = LoadRGBIRImagePair(ir_depth_mode='fixed', ir_range=(20000, 40000))
    img = fixed(dict(img_path=rgb_path, ir_path=ir16))['img']
    assert img[..., 3].min() == 0 and 126 <= img[..., 3].max() <= 128
    with pytest.raises(ValueError, match='ir_range'):
        LoadRGBIRImagePair(ir_depth_mode='fixed')


def test_four_channel_rgbt(tmp_path, pair):
    rgb, ir, _, _ = pair
    path = _write(tmp_path / 'rgbt.png', np.dstack([rgb, ir]))
    img = LoadRGBIRImagePair()(dict(img_path=path, ir_path=None))['img']
    assert np.array_equal(img[..., :3], rgb)
    assert np.array_equal(img[..., 4], ir)
    with pytest.raises(ValueError, match='4-channel RGB-T'):
        LoadRGBIRImagePair()(dict(img_path=pair[2], ir_path=None))


def test_bad_inputs_name_the_file(tmp_path, pair):
    _, ir, rgb_path, ir_path = pair
    missing = str(tmp_path / 'nope.png')
    with pytest.raises(FileNotFoundError, match='IR image not found.*nope'):
        LoadRGBIRImagePair()(dict(img_path=rgb_path, ir_path=missing))
    with pytest.raises(FileNotFoundError, match='RGB image not found.*nope'):
        LoadRGBIRImagePair()(dict(img_path=missing, ir_path=ir_path))
    broken = tmp_path / 'broken.png'
    broken.write_bytes(b'not an image')
    with pytest.raises(OSError, match='could not be decoded.*broken'):
        LoadRGBIRImagePair()(dict(img_path=rgb_path, ir_path=str(broken)))
    small = _write(tmp_path / 'small.png', ir[:10, :15])
    with pytest.raises(ValueError, match='size mismatch.*small.png is 15x10'):
        LoadRGBIRImagePair()(dict(img_path=rgb_path, ir_path=small))
    img = LoadRGBIRImagePair(resize_ir=True)(
        dict(img_path=rgb_path, ir_path=small))['img']
    assert img.shape == (20, 30, 6)


def test_ir_to_uint8_keeps_8_bit():
    a = np.arange(6, dtype=np.uint8).reshape(2, 3)
    assert ir_to_uint8(a) is a


def test_modality_wrappers_touch_one_half(pair):
    init_default_scope('mmdet')  # PhotoMetricDistortion is mmdet's
    _, _, rgb_path, ir_path = pair
    loaded = LoadRGBIRImagePair()(dict(img_path=rgb_path, ir_path=ir_path))
    np.random.seed(0)
    rgb_aug = Compose([
        dict(type='ApplyToModality', modality='rgb',
             transforms=[dict(type='PhotoMetricDistortion')])
    ])(dict(loaded, img=loaded['img'].copy()))['img']
    assert np.array_equal(rgb_aug[..., 3:], loaded['img'][..., 3:])
    assert not np.array_equal(rgb_aug[..., :3], loaded['img'][..., :3])
    ir_aug = Compose([dict(type='IRPhotometricJitter', prob=1.0)])(
        dict(loaded, img=loaded['img'].copy()))['img']
    assert np.array_equal(ir_aug[..., :3], loaded['img'][..., :3])
    assert not np.array_equal(ir_aug[..., 3:], loaded['img'][..., 3:])
    assert np.array_equal(ir_aug[..., 3], ir_aug[..., 5])  # still grey
    with pytest.raises(ValueError, match='keep the image size'):
        Compose([dict(type='ApplyToModality', modality='ir',
                      transforms=[dict(type='Resize', scale=(8, 8))])])(
                          dict(loaded))


def test_stock_geometric_transforms_keep_modalities_aligned(tmp_path):
    """One random draw moves RGB, IR and boxes together."""
    h, w = 64, 96
    rgb = np.zeros((h, w, 3), np.uint8)
    ir = np.zeros((h, w), np.uint8)
    rgb[10:30, 20:50] = 255  # the same object in both modalities
    ir[10:30, 20:50] = 255
    rgb_path = _write(tmp_path / 'r.png', rgb)
    ir_path = _write(tmp_path / 'i.png', ir)
    init_default_scope('mmdet')
    pipeline = Compose([
        dict(type='LoadRGBIRImagePair'),
        dict(type='LoadAnnotations', with_bbox=True),
        dict(type='RandomFlip', prob=1.0,
             direction=['horizontal', 'vertical']),
        dict(type='RandomResize', scale=(96, 64),
             ratio_range=(0.5, 2.0), keep_ratio=True),
        dict(type='RandomCrop', crop_size=(48, 48),
             allow_negative_crop=False),
        dict(type='RandomAffine', max_rotate_degree=0,
             max_translate_ratio=0.1, scaling_ratio_range=(0.9, 1.1),
             max_shear_degree=0, border_val=(0, 0, 0)),
    ])
    checked = 0
    for seed in range(50):
        np.random.seed(seed)
        out = pipeline(
            dict(img_path=rgb_path, ir_path=ir_path,
                 instances=[dict(bbox=[20, 10, 50, 30], bbox_label=0,
                                 ignore_flag=0)]))
        if out is None:  # the crop missed the object: mmdet skips it
            continue
        checked += 1
        img = out['img']
        assert img.shape[2] == 6
        assert np.array_equal(img[..., 0] > 127, img[..., 3] > 127)
        box = out['gt_bboxes'].tensor[0].round().int().tolist()
        mask = img[..., 3] > 127
        ys, xs = np.nonzero(mask)
        assert abs(xs.min() - box[0]) <= 2 and abs(ys.min() - box[1]) <= 2
        assert abs(xs.max() + 1 - box[2]) <= 2 and abs(ys.max() + 1 -
                                                     box[3]) <= 2
    assert checked >= 10


# --------------------------------------------------------------------------- #
# bad image files: a clear error naming the file
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize('content', [b'', b'not an image at all'])
@pytest.mark.parametrize('which', ['rgb', 'ir'])
def test_unreadable_image_names_the_file(tmp_path, pair, content, which):
    _, _, rgb_path, ir_path = pair
    bad = tmp_path / 'bad.png'
    bad.write_bytes(content)
    paths = dict(img_path=rgb_path, ir_path=ir_path)
    paths['img_path' if which == 'rgb' else 'ir_path'] = str(bad)
    with pytest.raises(OSError, match=rf'{which.upper()} image .*bad\.png'):
        LoadRGBIRImagePair()(paths)


@pytest.mark.parametrize('value', [np.nan, np.inf])
def test_non_finite_pixels_name_the_file(tmp_path, pair, value):
    """One NaN pixel would otherwise wipe the detections of a whole batch."""
    _, _, rgb_path, _ = pair
    raw = np.full((20, 30), 300.0, np.float32)
    raw[3, 4] = value
    path = _write(tmp_path / 'ir_float.tiff', raw)
    with pytest.raises(ValueError, match=r'ir_float\.tiff: 1 non-finite'):
        LoadRGBIRImagePair()(dict(img_path=rgb_path, ir_path=path))
    with pytest.raises(ValueError, match='RGB array: 1 non-finite'):
        rgb = np.zeros((20, 30, 3), np.float32)
        rgb[0, 0, 0] = value
        LoadRGBIRImagePair()(dict(img=rgb, ir_img=raw[..., None] * 0))


@pytest.mark.parametrize('orientation', [3, 6, 8])
def test_exif_orientation_applies_to_both_modalities(tmp_path, orientation):
    """A camera pair that stores rotated JPEGs stays aligned."""
    from PIL import Image
    grey = np.zeros((24, 40), np.uint8)
    grey[2:10, 3:30] = 255  # asymmetric: a rotation shows
    exif = Image.Exif()
    exif[0x0112] = orientation
    paths = {}
    for name, img in (('rgb', np.dstack([grey] * 3)), ('ir', grey)):
        paths[name] = str(tmp_path / f'{name}.jpg')
        Image.fromarray(img).save(paths[name], exif=exif, quality=100)
    out = LoadRGBIRImagePair()(
        dict(img_path=paths['rgb'], ir_path=paths['ir']))['img']
    upright = np.asarray(
        __import__('PIL.ImageOps').ImageOps.exif_transpose(
            Image.open(paths['rgb'])).convert('L'))
    assert out.shape[:2] == upright.shape
    assert np.abs(out[..., 3].astype(int) - upright).max() < 40
    assert np.abs(out[..., 0].astype(int) - upright).max() < 40


@pytest.mark.parametrize('ext', ['.png', '.jpg'])
def test_fuzzed_image_files_load_or_fail_cleanly(tmp_path, pair, ext):
    """Truncated, overwritten and random files: a loaded pair or an
    OSError / ValueError naming the file, never a raw cv2 / numpy error."""
    rgb, ir, rgb_path, _ = pair
    good = cv2.imencode(ext, np.dstack([ir] * 3))[1].tobytes()
    rng = np.random.default_rng(len(ext))
    outcomes = dict(loaded=0, refused=0)
    for case in range(60):
        data = bytearray(good)
        op = case % 4
        if op == 0:  # truncated
            data = data[:int(rng.integers(0, len(data)))]
        elif op == 1:  # bytes overwritten
            for i in rng.integers(0, len(data), int(rng.integers(1, 40))):
                data[i] = int(rng.integers(0, 256))
        elif op == 2:  # random bytes
            data = bytearray(rng.integers(0, 256, int(rng.integers(0, 300)),
                                          dtype=np.uint8).tobytes())
        else:  # a chunk removed from the middle
            a = int(rng.integers(0, len(data)))
            data = data[:a] + data[a + int(rng.integers(1, 200)):]
        path = tmp_path / f'ir_{case}{ext}'
        path.write_bytes(bytes(data))
        try:
            out = LoadRGBIRImagePair(resize_ir=True)(
                dict(img_path=rgb_path, ir_path=str(path)))
        except (OSError, ValueError) as e:
            assert str(path) in str(e), e
            outcomes['refused'] += 1
        else:
            assert out['img'].shape == (20, 30, 6)
            outcomes['loaded'] += 1
    assert outcomes['refused'] > 10
