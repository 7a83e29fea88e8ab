# Baseline: the same segmentor fed only the RGB image, to measure the fusion
# gain against setr-mla_unirgbir-vit-b_1xb4-80k_mfnet-480x640.py.
_base_ = [
    '../_base_/models/setr-mla_unirgbir-vit-b.py',
    '../_base_/datasets/mfnet_rgbir-480x640.py', '../_base_/seg_runtime.py',
    'mmseg::_base_/schedules/schedule_80k.py'
]
model = dict(
    backbone=dict(modality='rgb'),
    data_preprocessor=dict(size=_base_.crop_size),
    decode_head=dict(
        num_classes=_base_.num_classes,
        loss_decode=dict(class_weight=_base_.class_weight)),
    auxiliary_head=[
        dict(
            head,
            num_classes=_base_.num_classes,
            loss_decode=dict(
                head.loss_decode, class_weight=_base_.class_weight))
        for head in _base_.model.auxiliary_head
    ])
