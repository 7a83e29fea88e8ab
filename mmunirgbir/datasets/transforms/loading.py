# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Load an aligned RGB + IR pair as one 6-channel image."""
import io
from typing import Optional, Sequence, Tuple

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmengine import fileio
from mmengine.registry import TRANSFORMS
from PIL import Image

from ...models.utils.modality_routing import check_missing_modality


def ir_to_uint8(ir: np.ndarray,
                mode: str = 'minmax',
                value_range: Optional[Tuple[float, float]] = None,
                path: str = '') -> np.ndarray:
    """Map a thermal image to 8 bits.

    Args:
        ir (ndarray): Thermal image, uint8 / uint16 / float.
        mode (str): 'minmax' (per-image min-max) or 'fixed' (``value_range``)
            for images that are not already 8-bit.
        value_range (tuple[float, float], optional): Raw values mapped to 0
            and 255 in 'fixed' mode.
        path (str): File name for error messages.

    Returns:
        ndarray: uint8 image of the same shape.
    """
    if ir.dtype == np.uint8:
        return ir
    ir = ir.astype(np.float32)
    finite = np.isfinite(ir)
    if not finite.all():
        raise ValueError(f'{path}: {ir.size - int(finite.sum())} non-finite '
                         '(NaN / Inf) pixel values')
    if mode == 'minmax':
        lo, hi = float(ir.min()), float(ir.max())
    elif mode == 'fixed':
        if value_range is None:
            raise ValueError('ir_range is required when ir_depth_mode="fixed"')
        lo, hi = map(float, value_range)
    else:
        raise ValueError(f'unknown ir_depth_mode {mode!r} for {path}; use '
                         '"minmax" or "fixed"')
    scale = 255.0 / max(hi - lo, 1e-6)
    return np.clip((ir - lo) * scale, 0, 255).round().astype(np.uint8)


#: EXIF orientation -> what makes the stored pixels upright (as cv2 and
#: Pillow's ``exif_transpose`` do for 'color' reads)
_UPRIGHT = {
    2: lambda a: a[:, ::-1],
    3: lambda a: a[::-1, ::-1],
    4: lambda a: a[::-1],
    5: lambda a: a.swapaxes(0, 1),
    6: lambda a: np.rot90(a, -1),
    7: lambda a: a.swapaxes(0, 1)[::-1, ::-1],
    8: lambda a: np.rot90(a, 1),
}


def exif_upright(img: np.ndarray, data: bytes) -> np.ndarray:
    """``img`` decoded from ``data``, turned upright by the file's EXIF
    orientation (unchanged when the file has none).

    Only JPEG and TIFF are asked: Pillow reads their EXIF from the header,
    whereas for PNG it would decode the whole image a second time.
    """
    if data[:2] != b'\xff\xd8' and data[:4] not in (b'II*\x00', b'MM\x00*'):
        return img
    try:
        with Image.open(io.BytesIO(data)) as im:
            orientation = im.getexif().get(0x0112, 1)
    except Exception:  # not a format Pillow reads: no EXIF to apply
        return img
    turn = _UPRIGHT.get(orientation)
    return img if turn is None else np.ascontiguousarray(turn(img))


@TRANSFORMS.register_module()
class LoadRGBIRImagePair(BaseTransform):
    """Load an RGB image and its IR partner into one (H, W, 6) ``img``.

    Channels 0-2 are the RGB image in BGR order (as mmcv loads it), channels
    3-5 the IR image as three identical channels. Stock geometric transforms
    then move both modalities with one random draw.

    Required keys: ``img_path`` and ``ir_path`` (``ir_path`` may be None when
    ``img_path`` is a 4-channel RGB-T image, MFNet/PST900 style: its fourth
    channel is the IR). In-memory images (inference on arrays or video
    frames) are given instead as ``img`` (BGR) and ``ir_img`` arrays.

    A sample with ``missing_modality`` 'rgb' (or 'ir') needs only its IR
    (or RGB) image; the other half is blank and stays flagged, so the RGB-IR
    data preprocessors route it as the single-modality baseline.

    Added keys: ``img``, ``img_shape``, ``ori_shape``.

    Args:
        to_float32 (bool): Return float32 instead of uint8. Defaults to False.
        ir_depth_mode (str): How non-8-bit (e.g. 16-bit radiometric) thermal
            images become 8-bit: 'minmax' per image or 'fixed'. Defaults to
            'minmax'.
        ir_range (tuple[float, float], optional): Raw range for 'fixed'.
        resize_ir (bool): Resize an IR image whose size differs from the RGB
            image instead of raising. Defaults to False.
        imdecode_backend (str): mmcv decoding backend. Defaults to 'cv2'.
        backend_args (dict, optional): mmengine file backend arguments.
    """

    def __init__(self,
                 to_float32: bool = False,
                 ir_depth_mode: str = 'minmax',
                 ir_range: Optional[Sequence[float]] = None,
                 resize_ir: bool = False,
                 imdecode_backend: str = 'cv2',
                 backend_args: Optional[dict] = None) -> None:
        if ir_depth_mode not in ('minmax', 'fixed'):
            raise ValueError(f'ir_depth_mode must be "minmax" or "fixed", got '
                             f'{ir_depth_mode!r}')
        if ir_depth_mode == 'fixed' and ir_range is None:
            raise ValueError('ir_range is required when ir_depth_mode="fixed"')
        self.to_float32 = to_float32
        self.ir_depth_mode = ir_depth_mode
        self.ir_range = tuple(ir_range) if ir_range is not None else None
        self.resize_ir = resize_ir
        self.imdecode_backend = imdecode_backend
        self.backend_args = backend_args

    def _read(self, path: str, what: str, flag: str) -> np.ndarray:
        try:
            data = fileio.get(path, backend_args=self.backend_args)
        except FileNotFoundError as e:
            raise FileNotFoundError(f'{what} image not found: {path}') from e
        if not data:
            raise OSError(f'{what} image is an empty (0-byte) file: {path}')
        try:
            img = mmcv.imfrombytes(
                data, flag=flag, backend=self.imdecode_backend)
        except Exception as e:  # cv2.error, PIL errors: name the file
            raise OSError(f'{what} image could not be decoded: {path} '
                          f'({e})') from e
        if img is None:
            raise OSError(f'{what} image could not be decoded: {path}')
        if flag == 'unchanged':
            # 'color' decoding turns images upright by their EXIF
            # orientation; 'unchanged' does not: apply the same rule
            img = exif_upright(img, data)
        return img

    def _split_rgbt(self, path: str) -> Tuple[np.ndarray, np.ndarray]:
        img = self._read(path, 'RGB-T', 'unchanged')
        if img.ndim != 3 or img.shape[2] != 4:
            raise ValueError(
                f'{path}: no ir_path was given, so a 4-channel RGB-T image '
                f'was expected, but it has shape {img.shape}')
        # cv2 returns B, G, R, T
        return np.ascontiguousarray(img[..., :3]), img[..., 3]

    def _read_one(self, results: dict, missing: str):
        """The present image of a single-modality sample, and its name."""
        if missing == 'ir':
            img, path, what, flag = results.get('img'), results.get(
                'img_path'), 'RGB', 'color'
        else:
            img, path, what, flag = results.pop('ir_img', None), results.get(
                'ir_path'), 'IR', 'unchanged'
        if isinstance(img, np.ndarray):
            return img, path or f'{what} array'
        if not path:
            raise ValueError(f'{missing.upper()} is missing, so an {what} '
                             'image (path or array) is needed')
        return self._read(path, what, flag), path

    def transform(self, results: dict) -> dict:
        rgb_path = results.get('img_path')
        ir_path = results.get('ir_path')
        missing = check_missing_modality(
            results.get('missing_modality'), rgb_path or ir_path)
        if missing:
            # one image only: the other half stays blank, flagged missing
            present, name = self._read_one(results, missing)
            blank = np.zeros(present.shape[:2], np.uint8)
            if missing == 'rgb':
                rgb, ir, ir_name = np.dstack([blank] * 3), present, name
                rgb_path = rgb_path or name
            else:
                rgb, ir, ir_name, rgb_path = present, blank, name, name
        elif isinstance(results.get('ir_img'), np.ndarray):
            rgb, ir = results['img'], results.pop('ir_img')
            ir_name = ir_path or f'IR array of {rgb_path}'
        elif ir_path is None:
            rgb, ir = self._split_rgbt(rgb_path)
            ir_name = f'{rgb_path} (channel 4)'
        else:
            rgb = self._read(rgb_path, 'RGB', 'color')
            ir = self._read(ir_path, 'IR', 'unchanged')
            ir_name = ir_path
        if rgb.dtype != np.uint8:
            rgb = ir_to_uint8(rgb, 'minmax', path=rgb_path or 'RGB array')
        ir = ir_to_uint8(ir, self.ir_depth_mode, self.ir_range, ir_name)
        if ir.ndim == 3:
            if ir.shape[2] == 4:  # grey + alpha or BGRA: drop alpha
                ir = ir[..., :3]
            if ir.shape[2] == 3:
                ir = mmcv.bgr2gray(ir)
            else:
                ir = ir[..., 0]
        if ir.shape[:2] != rgb.shape[:2]:
            if not self.resize_ir:
                raise ValueError(
                    f'RGB/IR size mismatch: {rgb_path} is '
                    f'{rgb.shape[1]}x{rgb.shape[0]} but {ir_name} is '
                    f'{ir.shape[1]}x{ir.shape[0]} (set resize_ir=True, or '
                    'pass --resize-ir to tools/infer.py, to resize IR to '
                    'the RGB size)')
            ir = mmcv.imresize(ir, (rgb.shape[1], rgb.shape[0]))
        img = np.concatenate([rgb, np.repeat(ir[..., None], 3, axis=2)],
                             axis=2)
        if self.to_float32:
            img = img.astype(np.float32)
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(to_float32={self.to_float32}, '
                f'ir_depth_mode={self.ir_depth_mode!r}, '
                f'ir_range={self.ir_range}, resize_ir={self.resize_ir}, '
                f'imdecode_backend={self.imdecode_backend!r})')
