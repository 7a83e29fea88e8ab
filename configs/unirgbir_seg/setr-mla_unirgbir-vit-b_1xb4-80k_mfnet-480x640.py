# UniRGB-IR semantic segmentation on MFNet: SETR-MLA (+4 auxiliary FCN heads),
# class-weighted cross-entropy (ENet weights of the MFNet train split), SGD
# 0.01 poly, 80k iterations, batch 4.
_base_ = [
    '../_base_/models/setr-mla_unirgbir-vit-b.py',
    '../_base_/datasets/mfnet_rgbir-480x640.py', '../_base_/seg_runtime.py',
    'mmseg::_base_/schedules/schedule_80k.py'
]
class_weight = [
    1.5105, 16.6591, 29.4238, 34.6315, 40.0845, 41.4357, 47.9794, 45.3725,
    44.9000
]
model = dict(
    data_preprocessor=dict(size=_base_.crop_size),
    decode_head=dict(
        num_classes=9,
        loss_decode=dict(
            type='CrossEntropyLoss', loss_weight=1.0,
            class_weight=class_weight)),
    auxiliary_head=[
        dict(
            head,
            num_classes=9,
            loss_decode=dict(
                type='CrossEntropyLoss',
                loss_weight=0.4,
                class_weight=class_weight))
        for head in _base_.model.auxiliary_head
    ])
