# Copyright (c) mmunirgbir contributors. All rights reserved.
"""RGB-IR semantic segmentation datasets (MFNet, PST900, FMB)."""
import os.path as osp
from typing import List, Optional

from mmengine.registry import DATASETS
from mmseg.datasets import BaseSegDataset

from .pairing import list_images, pair_by_stem, read_split_file


@DATASETS.register_module()
class RGBIRSegDataset(BaseSegDataset):
    """Paired RGB / IR folders and a label folder, matched by file stem.

    Layout (``data_prefix`` entries under ``data_root``)::

        {img_path}/NAME.png   RGB   (or a 4-channel RGB-T image when there is
                                     no ``ir_path`` folder)
        {ir_path}/NAME.png    IR
        {seg_map_path}/NAME.png  label map (optional: unlabelled sets
                                  for inference have none)

    Each sample carries ``img_path``, ``ir_path`` (None for RGB-T images),
    ``seg_map_path`` and ``num_classes`` (for
    :class:`LoadRGBIRSegAnnotations`' value check).

    Args:
        ann_file (str): Optional split file of stems. Defaults to ''.
        data_prefix (dict): ``img_path``, ``ir_path`` (optional) and
            ``seg_map_path`` folders.
        **kwargs: :class:`mmseg.datasets.BaseSegDataset` arguments.
    """

    def __init__(self,
                 ann_file: str = '',
                 data_prefix: dict = dict(
                     img_path='rgb', ir_path='thermal', seg_map_path='labels'),
                 **kwargs) -> None:
        super().__init__(ann_file=ann_file, data_prefix=data_prefix, **kwargs)

    def load_data_list(self) -> List[dict]:
        stems: Optional[List[str]] = None
        if self.ann_file:
            stems = read_split_file(self.ann_file)
        img_dir = self.data_prefix['img_path']
        ir_dir = self.data_prefix.get('ir_path')
        seg_dir = self.data_prefix.get('seg_map_path')
        if ir_dir:
            pairs = pair_by_stem(img_dir, ir_dir, stems)
        else:
            images = list_images(img_dir)
            wanted = sorted(images) if stems is None else stems
            missing = [s for s in wanted if s not in images]
            if missing:
                raise FileNotFoundError(f'{len(missing)} listed images '
                                        f'missing in {img_dir}: {missing[:10]}')
            pairs = [(s, osp.join(img_dir, images[s]), None) for s in wanted]
        labels = list_images(seg_dir) if seg_dir else {}
        no_label = [s for s, _, _ in pairs if seg_dir and s not in labels]
        if no_label:
            raise FileNotFoundError(f'{len(no_label)} images without a label '
                                    f'map in {seg_dir}: {no_label[:10]}')
        num_classes = len(self.metainfo['classes'])
        return [
            dict(
                img_path=rgb,
                ir_path=ir,
                seg_map_path=osp.join(seg_dir, labels[stem])
                if seg_dir else None,
                label_map=self.label_map,
                reduce_zero_label=self.reduce_zero_label,
                num_classes=num_classes,
                seg_fields=[]) for stem, rgb, ir in pairs
        ]


@DATASETS.register_module()
class MFNetDataset(RGBIRSegDataset):
    """MFNet (Ha et al., IROS 2017): 4-channel RGB-T PNGs in ``images/``,
    labels in ``labels/``, splits ``train.txt`` / ``val.txt`` /
    ``test.txt``; 9 classes including 'unlabeled' (as the benchmark counts
    them)."""
    METAINFO = dict(
        classes=('unlabeled', 'car', 'person', 'bike', 'curve', 'car_stop',
                 'guardrail', 'color_cone', 'bump'),
        palette=[[0, 0, 0], [64, 0, 128], [64, 64, 0], [0, 128, 192],
                 [0, 0, 192], [128, 128, 0], [64, 64, 128], [192, 128, 128],
                 [192, 64, 0]])

    def __init__(self,
                 ann_file: str = '',
                 data_prefix: dict = dict(
                     img_path='images', seg_map_path='labels'),
                 **kwargs) -> None:
        super().__init__(ann_file=ann_file, data_prefix=data_prefix, **kwargs)


@DATASETS.register_module()
class PST900Dataset(RGBIRSegDataset):
    """PST900 (Shivakumar et al., ICRA 2020): ``{train,test}/{rgb,thermal,
    labels}/*.png``, 5 classes."""
    METAINFO = dict(
        classes=('background', 'fire_extinguisher', 'backpack', 'hand_drill',
                 'survivor'),
        palette=[[0, 0, 0], [0, 0, 255], [0, 255, 0], [255, 0, 0],
                 [255, 255, 255]])


@DATASETS.register_module()
class FMBDataset(RGBIRSegDataset):
    """FMB (Liu et al., ICCV 2023): ``{train,test}/{Visible,Infrared,
    Label}/*.png``; label 0 is unlabeled."""
    METAINFO = dict(
        classes=('unlabeled', 'road', 'sidewalk', 'building', 'traffic_lamp',
                 'traffic_sign', 'vegetation', 'sky', 'person', 'car',
                 'truck', 'bus', 'motorcycle', 'bicycle', 'pole'),
        palette=[[0, 0, 0], [128, 64, 128], [244, 35, 232], [70, 70, 70],
                 [250, 170, 30], [220, 220, 0], [107, 142, 35],
                 [70, 130, 180], [220, 20, 60], [0, 0, 142], [0, 0, 70],
                 [0, 60, 100], [0, 0, 230], [119, 11, 32], [153, 153, 153]])

    def __init__(self,
                 ann_file: str = '',
                 data_prefix: dict = dict(
                     img_path='Visible',
                     ir_path='Infrared',
                     seg_map_path='Label'),
                 **kwargs) -> None:
        super().__init__(ann_file=ann_file, data_prefix=data_prefix, **kwargs)


@DATASETS.register_module()
class VTSaliencyDataset(RGBIRSegDataset):
    """RGB-T salient object detection sets VT5000 / VT821 / VT1000:
    ``RGB/``, ``T/``, ``GT/`` matched by stem; GT are grey masks.

    Args:
        dataset_name (str, optional): Name reported by
            :class:`SaliencyMetric` (e.g. 'VT821'); the last folder of
            ``data_root`` by default.
        **kwargs: :class:`RGBIRSegDataset` arguments.
    """
    METAINFO = dict(classes=('background', 'salient'),
                    palette=[[0, 0, 0], [255, 255, 255]])

    def __init__(self,
                 ann_file: str = '',
                 data_prefix: dict = dict(
                     img_path='RGB', ir_path='T', seg_map_path='GT'),
                 dataset_name: Optional[str] = None,
                 **kwargs) -> None:
        self.dataset_name = dataset_name or osp.basename(
            osp.normpath(kwargs.get('data_root', '') or 'saliency'))
        super().__init__(ann_file=ann_file, data_prefix=data_prefix, **kwargs)

    def load_data_list(self) -> List[dict]:
        data_list = super().load_data_list()
        for d in data_list:
            d['dataset_name'] = self.dataset_name
        return data_list
