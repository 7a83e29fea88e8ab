# Stock mmdet RetinaNet on the UniRGB-IR backbone (FLIR-aligned); the simple
# feature pyramid gives strides 8-128 as RetinaNet's anchors expect.
_base_ = [
    'mmdet::_base_/models/retinanet_r50_fpn.py',
    '../_base_/models/unirgbir-vit-b_simplefpn.py',
    '../_base_/datasets/flir-aligned_rgbir.py',
    '../_base_/schedules/adamw_lsj-100e.py'
]
model = dict(
    data_preprocessor=dict(_delete_=True, **_base_.rgbir_data_preprocessor),
    backbone=dict(_delete_=True, **_base_.unirgbir_backbone),
    neck=dict(
        _delete_=True,
        **dict(_base_.simple_fpn, scale_factors=(2.0, 1.0, 0.5))),
    bbox_head=dict(num_classes=3))
