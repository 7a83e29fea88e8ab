# Stock mmdet RetinaNet on the UniRGB-IR ViT-B/16 backbone; the simple
# feature pyramid gives strides 8-128 as RetinaNet's anchors expect.
_base_ = ['mmdet::_base_/models/retinanet_r50_fpn.py', './unirgbir-vit-b.py']

model = dict(
    data_preprocessor=dict(
        _delete_=True, **_base_.rgbir_det_data_preprocessor),
    backbone=dict(_delete_=True, **_base_.unirgbir_det_backbone),
    neck=dict(
        _delete_=True,
        **dict(_base_.simple_fpn, scale_factors=(2.0, 1.0, 0.5))))
