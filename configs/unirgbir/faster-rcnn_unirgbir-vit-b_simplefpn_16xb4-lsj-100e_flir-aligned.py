# Stock mmdet Faster R-CNN on the UniRGB-IR backbone (FLIR-aligned).
_base_ = [
    'mmdet::_base_/models/faster-rcnn_r50_fpn.py',
    '../_base_/models/unirgbir-vit-b_simplefpn.py',
    '../_base_/datasets/flir-aligned_rgbir.py',
    '../_base_/schedules/adamw_lsj-100e.py'
]
model = dict(
    data_preprocessor=dict(_delete_=True, **_base_.rgbir_data_preprocessor),
    backbone=dict(_delete_=True, **_base_.unirgbir_backbone),
    neck=dict(_delete_=True, **_base_.simple_fpn),
    rpn_head=dict(num_convs=2),
    roi_head=dict(
        bbox_head=dict(
            type='Shared4Conv1FCBBoxHead',
            conv_out_channels=256,
            norm_cfg=_base_.norm_cfg,
            num_classes=3)))
