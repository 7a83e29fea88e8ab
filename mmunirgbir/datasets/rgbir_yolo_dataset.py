# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Paired RGB-IR folders with YOLO txt labels (e.g. MSRS detection labels)."""
import os.path as osp
from typing import List, Optional

from mmdet.datasets import BaseDetDataset, XMLDataset
from mmengine.registry import DATASETS
from PIL import Image

from .box_validation import BoxValidator
from .pairing import pair_by_stem, read_split_file

#: how far a normalised YOLO value may stray outside [0, 1] (rounding)
NORM_TOL = 1e-3


@DATASETS.register_module()
class RGBIRYOLODataset(BaseDetDataset):
    """Paired RGB / IR folders with YOLO labels ``cls cx cy w h`` in [0, 1].

    Layout (names are ``data_prefix`` entries under ``data_root``)::

        data_root/
          {img}/NAME.png   RGB
          {ir}/NAME.png    IR, same stem
          {ann}/NAME.txt   one box per line, normalised by the image size

    Class names come from ``metainfo['classes']`` or, when not given, from
    ``classes_file`` (one name per line, line index = class id).

    Args:
        ann_file (str): Optional split file of stems. Defaults to ''.
        data_prefix (dict): ``img``, ``ir`` and ``ann`` folders.
        classes_file (str): Class-name file relative to ``data_root``.
            Defaults to 'classes.txt'.
        invalid_boxes (str): 'raise' on a bad label line (non-numeric,
            NaN, empty, outside the image, not normalised) with its
            ``file:line``, or 'drop' it with a counted warning
            (:class:`BoxValidator`). Defaults to 'raise'.
        **kwargs: :class:`mmdet.datasets.BaseDetDataset` arguments.
    """

    def __init__(self,
                 ann_file: str = '',
                 data_prefix: dict = dict(img='vi', ir='ir', ann='labels'),
                 classes_file: str = 'classes.txt',
                 metainfo: Optional[dict] = None,
                 data_root: str = '',
                 invalid_boxes: str = 'raise',
                 **kwargs) -> None:
        self.box_validator = BoxValidator(invalid_boxes)
        if not (metainfo and 'classes' in metainfo):
            path = osp.join(data_root, classes_file)
            if not osp.isfile(path):
                raise FileNotFoundError(
                    f'no metainfo["classes"] given and no class file {path}')
            with open(path) as f:
                # accept "name" or "id name" lines
                names = [ln.split()[-1] for ln in f if ln.strip()]
            metainfo = dict(metainfo or {}, classes=tuple(names))
        super().__init__(
            ann_file=ann_file,
            data_prefix=data_prefix,
            metainfo=metainfo,
            data_root=data_root,
            **kwargs)

    def load_data_list(self) -> List[dict]:
        stems = read_split_file(self.ann_file) if self.ann_file else None
        pairs = pair_by_stem(self.data_prefix['img'], self.data_prefix['ir'],
                             stems)
        num_classes = len(self.metainfo['classes'])
        data_list = []
        for stem, rgb, ir in pairs:
            with Image.open(rgb) as im:
                width, height = im.size
            label = osp.join(self.data_prefix['ann'], stem + '.txt')
            if not osp.isfile(label):
                raise FileNotFoundError(f'label file not found: {label}')
            instances = []
            with open(label) as f:
                for n, line in enumerate(f, 1):
                    instance = self._parse_line(line, f'{label}:{n}',
                                                num_classes, width, height)
                    if instance is not None:
                        instances.append(instance)
            data_list.append(
                dict(img_id=stem, img_path=rgb, ir_path=ir, width=width,
                     height=height, instances=instances))
        self.box_validator.report(type(self).__name__)
        return data_list

    def _parse_line(self, line: str, where: str, num_classes: int,
                    width: int, height: int) -> Optional[dict]:
        """One label line as an instance; None for a blank or dropped one."""
        parts = line.split()
        if not parts:
            return None
        reject = self.box_validator.reject
        if len(parts) != 5:
            return reject(where, f'expected "cls cx cy w h", got '
                          f'{line.strip()!r}')
        try:
            cls = int(parts[0])
        except ValueError:
            return reject(where, f'class {parts[0]!r} is not an integer id')
        if not 0 <= cls < num_classes:
            return reject(where, f'class {cls} outside 0..{num_classes - 1}')
        try:
            cx, cy, w, h = (float(v) for v in parts[1:])
        except ValueError:
            return reject(where, f'{line.strip()!r} holds a value that is '
                          'not a number')
        bbox = [(cx - w / 2) * width, (cy - h / 2) * height,
                (cx + w / 2) * width, (cy + h / 2) * height]
        if not self.box_validator.check(bbox, where, width, height):
            return None
        if not all(-NORM_TOL <= v <= 1 + NORM_TOL for v in (cx, cy, w, h)):
            return reject(where, f'YOLO values are normalised to [0, 1] by '
                          f'the image size, got {cx:g} {cy:g} {w:g} {h:g} '
                          '(pixel coordinates?)')
        return dict(bbox=bbox, bbox_label=cls, ignore_flag=0)

    # mmdet's filter of empty / small images for datasets without COCO ids
    filter_data = XMLDataset.filter_data
