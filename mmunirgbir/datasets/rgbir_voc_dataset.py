# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Pascal-VOC-XML RGB-IR detection datasets (LLVIP, M3FD)."""
import math
import os.path as osp
import xml.etree.ElementTree as ET
from xml.parsers import expat
from typing import List, Optional

from mmdet.datasets import XMLDataset
from mmengine.registry import DATASETS

from .box_validation import BoxValidator, InvalidAnnotationError, box_problem
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
        invalid_boxes (str): 'raise' on a bad object (missing or
            non-numeric tag, NaN, empty or outside the image) naming the file
            and line, or 'drop' it with a counted warning
            (:class:`BoxValidator`). Defaults to 'raise'.
        **kwargs: :class:`mmdet.datasets.BaseDetDataset` arguments.
    """

    def __init__(self,
                 ann_file: str = '',
                 data_prefix: dict = dict(
                     img='visible', ir='infrared', ann='Annotations'),
                 invalid_boxes: str = 'raise',
                 **kwargs) -> None:
        self.box_validator = BoxValidator(invalid_boxes)
        super().__init__(ann_file=ann_file, data_prefix=data_prefix, **kwargs)

    def load_data_list(self) -> List[dict]:
        stems: Optional[List[str]] = None
        if self.ann_file:
            stems = read_split_file(self.ann_file)
        pairs = pair_by_stem(self.data_prefix['img'], self.data_prefix['ir'],
                             stems)
        self.cat2label = {c: i for i, c in enumerate(self.metainfo['classes'])}
        data_list = [
            dict(
                img_id=stem,
                img_path=rgb,
                ir_path=ir,
                **self._parse_xml(
                    osp.join(self.data_prefix['ann'], stem + '.xml')))
            for stem, rgb, ir in pairs
        ]
        self.box_validator.report(type(self).__name__)
        return data_list

    def _parse_xml(self, path: str) -> dict:
        if not osp.isfile(path):
            raise FileNotFoundError(f'annotation not found: {path}')
        try:
            tree = ET.parse(path)
        except ET.ParseError as e:
            raise InvalidAnnotationError(f'{path}: invalid XML: {e}') from e
        root = tree.getroot()
        try:
            width, height = (_number(root, f'size/{tag}')
                             for tag in ('width', 'height'))
        except ValueError as e:
            raise InvalidAnnotationError(f'{path}: {e}') from None
        if not (width > 0 and height > 0):
            raise InvalidAnnotationError(
                f'{path}: image size {width:g}x{height:g} is not positive')
        lines = None
        for index, obj in enumerate(root.findall('object')):
            if obj.findtext('name') not in self.cat2label:
                continue  # mmdet's parser leaves other classes out
            try:
                bbox = [_number(obj, f'bndbox/{tag}')
                        for tag in ('xmin', 'ymin', 'xmax', 'ymax')]
                # mmdet's parser truncates to whole pixels
                bbox = [float(int(v)) if math.isfinite(v) else v
                        for v in bbox]
                reason = box_problem(bbox, width, height)
            except ValueError as e:
                reason = str(e)
            if reason is not None:
                lines = lines or _object_lines(path)
                self.box_validator.reject(f'{path}:{lines[index]}', reason)
                root.remove(obj)
            else:
                self.box_validator.check(bbox, path, width, height)
        return dict(
            width=int(width),
            height=int(height),
            instances=self._parse_instance_info(tree, minus_one=False))


def _number(element: ET.Element, tag: str) -> float:
    """The number in ``element``'s ``tag``; ValueError saying why not."""
    text = element.findtext(tag)
    if text is None:
        raise ValueError(f'no <{tag}> element')
    try:
        return float(text)
    except ValueError:
        raise ValueError(f'<{tag}> {text.strip()!r} is not a number') from None


def _object_lines(path: str) -> List[int]:
    """The line of every ``<object>`` element of an XML file, in order."""
    lines: List[int] = []
    parser = expat.ParserCreate()

    def start(name, attrs):
        if name == 'object':
            lines.append(parser.CurrentLineNumber)

    parser.StartElementHandler = start
    with open(path, 'rb') as f:
        parser.ParseFile(f)
    return lines


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
