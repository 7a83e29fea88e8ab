# UniRGB-IR semantic segmentation on MFNet: SETR-MLA (+4 auxiliary FCN heads),
# class-weighted cross-entropy (ENet weights of the MFNet train split), SGD
# 0.01 poly, 80k iterations, batch 4.
_base_ = [
    '../_base_/models/setr-mla_unirgbir-vit-b.py',
    '../_base_/datasets/mfnet_rgbir-480x640.py', '../_base_/seg_runtime.py',
    'mmseg::_base_/schedules/schedule_80k.py'
]
parts = __import__('mmunirgbir.configs._base_.unirgbir_vit_b', fromlist=['_'])

model = parts.setr_mla_for_dataset(_base_)
