# Runtime of mmunirgbir detection configs: mmdet's, plus our modules.
_base_ = 'mmdet::_base_/default_runtime.py'

custom_imports = dict(imports=['mmunirgbir'], allow_failed_imports=False)
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=3))
# RGB | IR | predictions panels for the visualisation hook and --show-dir
visualizer = dict(type='RGBIRDetLocalVisualizer')
