# UniRGB-IR reference: FLIR-aligned (paper: mAP50 81.4, mAP ~44).
_base_ = [
    '../_base_/models/cascade-rcnn_unirgbir-vit-b_simplefpn.py',
    '../_base_/datasets/flir-aligned_rgbir.py',
    '../_base_/schedules/adamw_lsj-100e.py', '../_base_/det_runtime.py'
]
parts = __import__('mmunirgbir.configs._base_.unirgbir_vit_b', fromlist=['_'])

model = parts.cascade_num_classes(_base_.model, _base_.num_classes)
