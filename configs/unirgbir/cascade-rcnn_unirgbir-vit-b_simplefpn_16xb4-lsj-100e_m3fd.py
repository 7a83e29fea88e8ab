# UniRGB-IR reference: M3FD (6 classes).
_base_ = [
    '../_base_/models/cascade-rcnn_unirgbir-vit-b_simplefpn.py',
    '../_base_/datasets/m3fd_rgbir.py',
    '../_base_/schedules/adamw_lsj-100e.py', '../_base_/det_runtime.py'
]
parts = __import__('mmunirgbir.configs._base_.unirgbir_vit_b', fromlist=['_'])

model = parts.cascade_num_classes(_base_.model, _base_.num_classes)
