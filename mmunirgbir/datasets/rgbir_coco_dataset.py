# Copyright (c) mmunirgbir contributors. All rights reserved.
"""COCO-format RGB-IR detection datasets (FLIR-aligned and alike)."""
import os.path as osp
from typing import List, Optional, Union

from mmdet.datasets import CocoDataset
from mmengine.registry import DATASETS


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
        **kwargs: :class:`mmdet.datasets.CocoDataset` arguments;
            ``data_prefix`` may hold ``img`` and ``ir`` folders.
    """

    def __init__(self, *args, ir_key: str = 'file_name_lwir', **kwargs):
        self.ir_key = ir_key
        # CocoDataset reads data_prefix['img'] (mmdet's default has none)
        kwargs.setdefault('data_prefix', dict(img=''))
        super().__init__(*args, **kwargs)

    def parse_data_info(self, raw_data_info: dict) -> Union[dict, List[dict]]:
        data_info = super().parse_data_info(raw_data_info)
        img_info = raw_data_info['raw_img_info']
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


@DATASETS.register_module()
class FLIRAlignedDataset(RGBIRCocoDataset):
    """FLIR-aligned (3 classes; COCO json with ``file_name_lwir``)."""
    METAINFO = dict(
        classes=('car', 'person', 'bicycle'),
        palette=[(0, 0, 142), (220, 20, 60), (119, 11, 32)])
