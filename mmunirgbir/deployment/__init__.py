# Copyright (c) mmunirgbir contributors. All rights reserved.
"""ONNX export of RGB-IR models: two raw images in, predictions out."""
from .adaptive_avg_pool import IntegralAdaptiveAvgPool2d
from .detector_exportable import (RetinaNetExportable,
                                  TwoStageDetectorExportable)
from .exportable import (BackboneExportable, SegmentorExportable,
                         build_exportable)
from .int8_quantization import calibration_batches, quantize_int8
from .onnx_export import (export_onnx, max_difference, onnxruntime_session,
                          run_onnxruntime, unmatched_detections)
from .onnx_nms import exportable_batched_nms, per_image_nms
from .onnx_roi_align import exportable_roi_align, multi_level_roi_features
from .pipeline_resize import config_test_resize
from .raw_input import RawRGBIRInput
from .rgbir_exportable import RGBIRExportable

__all__ = [
    'RGBIRExportable', 'IntegralAdaptiveAvgPool2d', 'BackboneExportable',
    'RetinaNetExportable', 'TwoStageDetectorExportable', 'SegmentorExportable',
    'build_exportable', 'export_onnx', 'max_difference', 'onnxruntime_session',
    'run_onnxruntime', 'unmatched_detections',
    'exportable_batched_nms', 'per_image_nms', 'exportable_roi_align',
    'multi_level_roi_features', 'config_test_resize', 'RawRGBIRInput',
    'calibration_batches', 'quantize_int8'
]
