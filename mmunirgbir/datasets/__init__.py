# Copyright (c) mmunirgbir contributors. All rights reserved.
from .box_validation import BoxValidator, InvalidAnnotationError
from .kaist_dataset import KAISTDataset, parse_bbgt
from .rgbir_coco_dataset import FLIRAlignedDataset, RGBIRCocoDataset
from .rgbir_voc_dataset import LLVIPDataset, M3FDDataset, RGBIRVOCDataset
from .rgbir_seg_dataset import (FMBDataset, MFNetDataset, PST900Dataset,
                                RGBIRSegDataset, VTSaliencyDataset)
from .rgbir_yolo_dataset import RGBIRYOLODataset
from .transforms import *  # noqa: F401,F403

__all__ = [
    'BoxValidator', 'InvalidAnnotationError',
    'RGBIRCocoDataset', 'FLIRAlignedDataset', 'RGBIRVOCDataset',
    'LLVIPDataset', 'M3FDDataset', 'RGBIRYOLODataset', 'KAISTDataset',
    'parse_bbgt', 'RGBIRSegDataset', 'MFNetDataset', 'PST900Dataset',
    'FMBDataset', 'VTSaliencyDataset'
]
