# UniRGB-IR semantic segmentation on FMB (15 classes, plain cross-entropy).
_base_ = [
    '../_base_/models/setr-mla_unirgbir-vit-b.py',
    '../_base_/datasets/fmb_rgbir-600x800.py', '../_base_/seg_runtime.py',
    'mmseg::_base_/schedules/schedule_80k.py'
]
parts = __import__('mmunirgbir.configs._base_.unirgbir_vit_b', fromlist=['_'])

model = parts.setr_mla_for_dataset(_base_)
