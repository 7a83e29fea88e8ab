# Stock mmseg UperNet on the UniRGB-IR backbone (MFNet), same data/schedule.
_base_ = [
    '../_base_/models/upernet_unirgbir-vit-b.py',
    '../_base_/datasets/mfnet_rgbir-480x640.py', '../_base_/seg_runtime.py',
    'mmseg::_base_/schedules/schedule_80k.py'
]
model = dict(
    data_preprocessor=dict(size=_base_.crop_size),
    decode_head=dict(
        num_classes=_base_.num_classes,
        loss_decode=dict(class_weight=_base_.class_weight)),
    auxiliary_head=dict(num_classes=_base_.num_classes))
