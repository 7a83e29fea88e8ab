# Stock mmseg UperNet on the UniRGB-IR backbone (MFNet), same data/schedule.
_base_ = [
    '../_base_/models/upernet_unirgbir-vit-b.py',
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
    auxiliary_head=dict(num_classes=9))
