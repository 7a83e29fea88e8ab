# Copyright (c) mmunirgbir contributors. All rights reserved.
from .rgbir_det_local_visualizer import RGBIRDetLocalVisualizer, read_ir_like
from .rgbir_seg_local_visualizer import RGBIRSegLocalVisualizer

__all__ = ['RGBIRDetLocalVisualizer', 'RGBIRSegLocalVisualizer', 'read_ir_like']
