# Copyright (c) mmunirgbir contributors. All rights reserved.
"""KAIST multispectral pedestrian dataset (native layout, bbGt annotations)."""
import math
import os.path as osp
import re
from typing import List, Optional

from mmdet.datasets import BaseDetDataset
from mmengine.registry import DATASETS

from .box_validation import BoxValidator
from .pairing import read_split_file

#: KAIST sets captured at night (train 03-05, test 09-11); the others are day
NIGHT_SETS = frozenset({3, 4, 5, 9, 10, 11})


def parse_bbgt(path: str,
               validator: Optional[BoxValidator] = None) -> List[dict]:
    """Parse a KAIST / Caltech ``bbGt version=3`` annotation file.

    Each object line is ``lbl l t w h occ vl vt vw vh ign ang``. A line with
    a value that is not a number, a non-finite coordinate or a negative size
    goes to ``validator`` (default: raise, naming ``path:line``); empty boxes
    are valid here and become ignored instances of :class:`KAISTDataset`.

    Returns:
        list[dict]: ``label``, ``bbox`` (x1, y1, x2, y2), ``occlusion``
        (0 none, 1 partial, 2 heavy) and ``ignore`` per object.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'KAIST annotation not found: {path}')
    validator = validator or BoxValidator()
    objects = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            parts = line.split()
            if not parts or parts[0].startswith('%'):
                continue
            if len(parts) < 6:
                validator.reject(f'{path}:{n}', 'expected "lbl l t w h occ '
                                 f'...", got {line.strip()!r}')
                continue
            try:
                x, y, w, h = (float(v) for v in parts[1:5])
                occlusion = int(float(parts[5]))
                ignore = int(float(parts[10])) if len(parts) > 10 else 0
            except (ValueError, OverflowError):
                validator.reject(f'{path}:{n}', f'{line.strip()!r} holds a '
                                 'value that is not a number')
                continue
            if not all(math.isfinite(v) for v in (x, y, w, h)) or min(w,
                                                                      h) < 0:
                validator.reject(f'{path}:{n}', f'box l={x:g} t={y:g} '
                                 f'w={w:g} h={h:g} is not finite and '
                                 'non-negative')
                continue
            objects.append(
                dict(
                    label=parts[0],
                    bbox=[x, y, x + w, y + h],
                    occlusion=occlusion,
                    ignore=ignore))
    return objects


@DATASETS.register_module()
class KAISTDataset(BaseDetDataset):
    """KAIST multispectral pedestrians in the released folder layout.

    Layout (``data_prefix`` entries under ``data_root``)::

        {img}/setXX/V00Y/visible/INNNNN.jpg   RGB
        {img}/setXX/V00Y/lwir/INNNNN.jpg      thermal
        {ann}/setXX/V00Y/INNNNN.txt           bbGt annotations
        ann_file: imageSets/*.txt with lines "setXX/V00Y/INNNNN"

    Only ``person`` is a class; other labels (``people``, ``cyclist``,
    ``person?``) and objects flagged ``ign`` are ignored instances in
    training. Every sample also carries the raw objects (``kaist_objects``:
    label, box, occlusion, ignore) and ``illumination`` ('day' / 'night') for
    :class:`KAISTMissRateMetric`, which applies the evaluation protocol
    itself; add both to ``PackDetInputs(meta_keys=...)`` in test pipelines.

    Args:
        ann_file (str): Image-set file. Required.
        data_prefix (dict): ``img`` and ``ann`` roots.
        rgb_dir (str): Modality folder of RGB images. Defaults to 'visible'.
        ir_dir (str): Modality folder of thermal images. Defaults to 'lwir'.
        img_suffix (str): Image extension. Defaults to '.jpg'.
        invalid_boxes (str): 'raise' on an unreadable annotation line
            (naming ``file:line``) or 'drop' it with a counted warning
            (:class:`BoxValidator`). Defaults to 'raise'.
        **kwargs: :class:`mmdet.datasets.BaseDetDataset` arguments.
    """
    METAINFO = dict(classes=('person', ), palette=[(220, 20, 60)])

    def __init__(self,
                 ann_file: str,
                 data_prefix: dict = dict(img='images', ann='annotations'),
                 rgb_dir: str = 'visible',
                 ir_dir: str = 'lwir',
                 img_suffix: str = '.jpg',
                 invalid_boxes: str = 'raise',
                 **kwargs) -> None:
        self.box_validator = BoxValidator(invalid_boxes)
        self.rgb_dir = rgb_dir
        self.ir_dir = ir_dir
        self.img_suffix = img_suffix
        super().__init__(ann_file=ann_file, data_prefix=data_prefix, **kwargs)

    def load_data_list(self) -> List[dict]:
        data_list = []
        for entry in read_split_file(self.ann_file):
            parts = re.split(r'[/\\_]', entry)
            if len(parts) != 3:
                raise ValueError(f'{self.ann_file}: cannot read '
                                 f'"setXX/V00Y/INNNNN" from {entry!r}')
            set_name, video, frame = parts
            folder = osp.join(self.data_prefix['img'], set_name, video)
            rgb = osp.join(folder, self.rgb_dir, frame + self.img_suffix)
            ir = osp.join(folder, self.ir_dir, frame + self.img_suffix)
            if not osp.isfile(rgb):
                raise FileNotFoundError(f'KAIST RGB image not found: {rgb}')
            if not osp.isfile(ir):
                raise FileNotFoundError(
                    f'KAIST image {rgb} has no thermal partner {ir}')
            objects = parse_bbgt(
                osp.join(self.data_prefix['ann'], set_name, video,
                         frame + '.txt'), self.box_validator)
            instances = [
                dict(
                    bbox=o['bbox'],
                    bbox_label=0,
                    ignore_flag=int(o['label'] != 'person' or o['ignore']
                                    or o['bbox'][2] <= o['bbox'][0]
                                    or o['bbox'][3] <= o['bbox'][1]))
                for o in objects
            ]
            night = int(re.sub(r'\D', '', set_name) or -1) in NIGHT_SETS
            data_list.append(
                dict(
                    img_id=f'{set_name}/{video}/{frame}',
                    img_path=rgb,
                    ir_path=ir,
                    width=640,
                    height=512,
                    instances=instances,
                    kaist_objects=objects,
                    illumination='night' if night else 'day'))
        self.box_validator.report(type(self).__name__)
        return data_list
