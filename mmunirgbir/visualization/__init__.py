# Copyright (c) mmunirgbir contributors. All rights reserved.
from .rgbir_det_local_visualizer import RGBIRDetLocalVisualizer, read_ir_like

__all__ = ['RGBIRDetLocalVisualizer', 'read_ir_like']
