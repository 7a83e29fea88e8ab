# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Label-map loading that checks what mmseg's loader takes on trust."""
import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmengine import fileio
from mmengine.registry import TRANSFORMS
from mmseg.datasets.transforms import LoadAnnotations


def _check_size(results: dict, label: np.ndarray, path: str) -> None:
    img = results.get('img')
    if img is not None and img.shape[:2] != label.shape[:2]:
        raise ValueError(
            f'label map {path} is {label.shape[1]}x{label.shape[0]} but its '
            f'image {results.get("img_path")} is {img.shape[1]}x'
            f'{img.shape[0]}')


@TRANSFORMS.register_module()
class LoadRGBIRSegAnnotations(LoadAnnotations):
    """mmseg ``LoadAnnotations`` plus checks of the label map.

    Raises an error naming the file when the label map's size differs from
    its (already loaded) image, or when it holds values outside
    ``[0, num_classes)`` other than ``ignore_index`` (after the dataset's
    ``label_map`` / ``reduce_zero_label``). ``num_classes`` comes from the
    sample (RGB-IR segmentation datasets add it) or the argument.

    Args:
        num_classes (int, optional): Number of classes, when the dataset
            does not provide it.
        ignore_index (int): Value allowed beyond the classes. Defaults to
            255.
        **kwargs: :class:`mmseg.datasets.transforms.LoadAnnotations`
            arguments.
    """

    def __init__(self, num_classes=None, ignore_index: int = 255, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = num_classes
        self.ignore_index = ignore_index

    def _load_seg_map(self, results: dict) -> None:
        super()._load_seg_map(results)
        path = results['seg_map_path']
        label = results['gt_seg_map']
        _check_size(results, label, path)
        num_classes = results.get('num_classes', self.num_classes)
        if num_classes is not None:
            values = np.unique(label)
            bad = values[(values >= num_classes)
                         & (values != self.ignore_index)]
            if bad.size:
                raise ValueError(
                    f'label map {path} has values {bad.tolist()} outside the '
                    f'{num_classes} classes (ignore index '
                    f'{self.ignore_index})')


@TRANSFORMS.register_module()
class LoadSaliencyAnnotations(BaseTransform):
    """Load a saliency ground truth (grey PNG) as a 0/1 label map.

    Pixels > ``threshold`` are salient (1). Adds ``gt_seg_map`` and registers
    it in ``seg_fields`` so geometric transforms move it with the image.

    Args:
        threshold (int): Binarisation threshold. Defaults to 128 (as the
            SOD metrics use).
        backend_args (dict, optional): mmengine file backend arguments.
    """

    def __init__(self, threshold: int = 128, backend_args=None) -> None:
        self.threshold = threshold
        self.backend_args = backend_args

    def transform(self, results: dict) -> dict:
        path = results['seg_map_path']
        try:
            data = fileio.get(path, backend_args=self.backend_args)
        except FileNotFoundError as e:
            raise FileNotFoundError(
                f'saliency ground truth not found: {path}') from e
        gt = mmcv.imfrombytes(data, flag='grayscale')
        if gt is None:
            raise OSError(f'saliency ground truth could not be decoded: '
                          f'{path}')
        _check_size(results, gt, path)
        results['gt_seg_map'] = (gt > self.threshold).astype(np.uint8)
        results.setdefault('seg_fields', []).append('gt_seg_map')
        return results
