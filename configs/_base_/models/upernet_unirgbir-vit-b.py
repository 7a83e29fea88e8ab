# Stock mmseg UperNet (multi-level neck, UPerHead, FCN auxiliary head) on the
# four stage outputs of the UniRGB-IR ViT-B/16 backbone.
_base_ = [
    'mmseg::_base_/models/upernet_vit-b16_ln_mln.py', './unirgbir-vit-b.py'
]

model = dict(
    data_preprocessor=dict(
        _delete_=True, **_base_.rgbir_seg_data_preprocessor),
    pretrained=None,
    backbone=dict(_delete_=True, **_base_.unirgbir_seg_backbone),
    test_cfg=dict(mode='whole'))
