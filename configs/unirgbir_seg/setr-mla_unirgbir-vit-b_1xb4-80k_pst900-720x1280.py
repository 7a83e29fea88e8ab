# UniRGB-IR semantic segmentation on PST900 (5 classes, ENet class weights).
_base_ = [
    '../_base_/models/setr-mla_unirgbir-vit-b.py',
    '../_base_/datasets/pst900_rgbir-720x1280.py', '../_base_/seg_runtime.py',
    'mmseg::_base_/schedules/schedule_80k.py'
]
parts = __import__('mmunirgbir.configs._base_.unirgbir_vit_b', fromlist=['_'])

model = parts.setr_mla_for_dataset(_base_)
