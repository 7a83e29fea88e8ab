# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Pascal-VOC-XML RGB-IR detection datasets (LLVIP, M3FD)."""
import os.path as osp
import xml.etree.ElementTree as ET
from typing import List, Optional

from mmdet.datasets import XMLDataset
from mmengine.registry import DATASETS

from .pairing import pair_by_stem, read_split_file


@DATASETS.register_module()
class RGBIRVOCDataset(XMLDataset):
    """Paired RGB / IR folders with one VOC XML file per pair.

    Layout (names are ``data_prefix`` entries under ``data_root``)::

        data_root/
          {img}/NAME.jpg   RGB
          {ir}/NAME.jpg    IR, same stem
          {ann}/NAME.xml   boxes shared by both modalities

    The XML files are read by mmdet's :class:`~mmdet.datasets.XMLDataset`
    (pixel coordinates as written, no VOC 1-based shift). Objects whose
    class is not in ``metainfo['classes']`` are dropped; ``difficult``
    objects become ignored instances.

    Args:
        ann_file (str): Optional split file (one stem per line) relative to
            ``data_root``; '' pairs every RGB image. Defaults to ''.
        data_prefix (dict): ``img``, ``ir`` and ``ann`` folders.
        **kwargs: :class:`mmdet.datasets.BaseDetDataset` arguments.
    """

    def __init__(self,
                 ann_file: str = '',
                 data_prefix: dict = dict(
                     img='visible', ir='infrared', ann='Annotations'),
                 **kwargs) -> None:
        super().__init__(ann_file=ann_file, data_prefix=data_prefix, **kwargs)

    def load_data_list(self) -> List[dict]:
        stems: Optional[List[str]] = None
        if self.ann_file:
            stems = read_split_file(self.ann_file)
        pairs = pair_by_stem(self.data_prefix['img'], self.data_prefix['ir'],
                             stems)
        self.cat2label = {c: i for i, c in enumerate(self.metainfo['classes'])}
        return [
            dict(
                img_id=stem,
                img_path=rgb,
                ir_path=ir,
                **self._parse_xml(
                    osp.join(self.data_prefix['ann'], stem + '.xml')))
            for stem, rgb, ir in pairs
        ]

    def _parse_xml(self, path: str) -> dict:
        if not osp.isfile(path):
            raise FileNotFoundError(f'annotation not found: {path}')
        try:
            tree = ET.parse(path)
        except ET.ParseError as e:
            raise ValueError(f'{path}: invalid XML: {e}') from e
        size = tree.getroot().find('size')
        if size is None:
            raise ValueError(f'{path}: no <size> element')
        instances = self._parse_instance_info(tree, minus_one=False)
        for inst in instances:
            x1, y1, x2, y2 = inst['bbox']
            if x2 <= x1 or y2 <= y1:
                raise ValueError(f'{path}: empty box {inst["bbox"]}')
        return dict(
            width=int(size.find('width').text),
            height=int(size.find('height').text),
            instances=instances)

@DATASETS.register_module()
class LLVIPDataset(RGBIRVOCDataset):
    """LLVIP: ``visible/{train,test}``, ``infrared/{train,test}``,
    ``Annotations`` (one person class)."""
    METAINFO = dict(classes=('person', ), palette=[(220, 20, 60)])


@DATASETS.register_module()
class M3FDDataset(RGBIRVOCDataset):
    """M3FD: ``Vis``, ``Ir``, ``Annotation`` (6 classes)."""
    METAINFO = dict(
        classes=('People', 'Car', 'Bus', 'Motorcycle', 'Lamp', 'Truck'),
        palette=[(220, 20, 60), (0, 0, 142), (0, 60, 100), (0, 0, 230),
                 (250, 170, 30), (0, 0, 70)])
