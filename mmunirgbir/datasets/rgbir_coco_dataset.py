# Copyright (c) mmunirgbir contributors. All rights reserved.
"""COCO-format RGB-IR detection datasets (FLIR-aligned and alike)."""
import os.path as osp
from typing import List, Optional, Union

from mmdet.datasets import CocoDataset
from mmengine.registry import DATASETS

from .box_validation import BoxValidator


@DATASETS.register_module()
class RGBIRCocoDataset(CocoDataset):
    """A COCO json dataset whose images have IR partners.

    The IR file of an image is taken from its json entry (``ir_key``, e.g.
    ``file_name_lwir`` in the FLIR-aligned json of UniRGB-IR / RSDet) when
    present, else it is the RGB ``file_name`` under ``data_prefix['ir']``
    (same name, another folder). The result carries ``img_path`` (RGB) and
    ``ir_path`` for :class:`LoadRGBIRImagePair`.

    Args:
        ir_key (str): Image-entry field naming the IR file. Defaults to
            'file_name_lwir'.
        invalid_boxes (str): 'raise' on an annotation whose ``bbox`` is not
            four finite numbers, is empty or lies outside its image (naming
            the json and the annotation id), or 'drop' it with a counted
            warning (:class:`BoxValidator`); mmdet's own silent skips of such
            boxes never see one. Defaults to 'raise'.
        **kwargs: :class:`mmdet.datasets.CocoDataset` arguments;
            ``data_prefix`` may hold ``img`` and ``ir`` folders.
    """

    def __init__(self,
                 *args,
                 ir_key: str = 'file_name_lwir',
                 invalid_boxes: str = 'raise',
                 **kwargs):
        self.ir_key = ir_key
        self.box_validator = BoxValidator(invalid_boxes)
        # CocoDataset reads data_prefix['img'] (mmdet's default has none)
        kwargs.setdefault('data_prefix', dict(img=''))
        super().__init__(*args, **kwargs)

    def load_data_list(self) -> List[dict]:
        data_list = super().load_data_list()
        self.box_validator.report(type(self).__name__)
        return data_list

    def parse_data_info(self, raw_data_info: dict) -> Union[dict, List[dict]]:
        img_info = raw_data_info['raw_img_info']
        raw_data_info = dict(
            raw_data_info,
            raw_ann_info=[
                ann for ann in raw_data_info['raw_ann_info']
                if ann.get('ignore', False) or self._valid(ann, img_info)
            ])
        data_info = super().parse_data_info(raw_data_info)
        img_prefix = self.data_prefix.get('img', '')
        ir_prefix: Optional[str] = self.data_prefix.get('ir')
        if self.ir_key in img_info:
            data_info['ir_path'] = osp.join(ir_prefix or img_prefix,
                                            img_info[self.ir_key])
        elif ir_prefix is not None:
            data_info['ir_path'] = osp.join(ir_prefix, img_info['file_name'])
        else:
            raise KeyError(
                f'{self.ann_file}: image {img_info["file_name"]} has no '
                f'"{self.ir_key}" entry and data_prefix has no "ir" folder, '
                'so its IR image cannot be found')
        return data_info

    def _valid(self, ann: dict, img_info: dict) -> bool:
        """Whether to keep ``ann``; a bad box goes to the validator."""
        where = (f'{self.ann_file}: annotation id {ann.get("id")} (image '
                 f'{img_info.get("file_name")})')
        try:
            x, y, w, h = (float(v) for v in ann['bbox'])
        except (KeyError, TypeError, ValueError):
            self.box_validator.reject(
                where, f'bbox {ann.get("bbox")!r} is not 4 numbers')
            return False
        return self.box_validator.check([x, y, x + w, y + h], where,
                                        img_info.get('width'),
                                        img_info.get('height'))


@DATASETS.register_module()
class FLIRAlignedDataset(RGBIRCocoDataset):
    """FLIR-aligned (3 classes; COCO json with ``file_name_lwir``)."""
    METAINFO = dict(
        classes=('car', 'person', 'bicycle'),
        palette=[(0, 0, 142), (220, 20, 60), (119, 11, 32)])
