# Stock mmdet RetinaNet on the UniRGB-IR ViT-B/16 backbone; the simple
# feature pyramid gives strides 8-128 as RetinaNet's anchors expect.
_base_ = 'mmdet::_base_/models/retinanet_r50_fpn.py'
# the shared UniRGB-IR parts: a module, which mmengine keeps out of the
# config (a call, not an import statement: docs/configs.md)
parts = __import__('mmunirgbir.configs._base_.unirgbir_vit_b', fromlist=['_'])

model = dict(
    data_preprocessor=dict(
        _delete_=True, **parts.det_data_preprocessor),
    backbone=dict(_delete_=True, **parts.det_backbone),
    neck=dict(
        _delete_=True,
        **dict(parts.simple_fpn, scale_factors=(2.0, 1.0, 0.5))))
