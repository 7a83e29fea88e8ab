# Runtime of mmunirgbir segmentation / SOD configs: mmseg's, plus our modules.
_base_ = 'mmseg::_base_/default_runtime.py'

custom_imports = dict(imports=['mmunirgbir'], allow_failed_imports=False)
# RGB | IR | prediction panels for the visualisation hook and --show-dir
visualizer = dict(type='RGBIRSegLocalVisualizer')
