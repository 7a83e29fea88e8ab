# Stock mmseg UperNet (multi-level neck, UPerHead, FCN auxiliary head) on the
# four stage outputs of the UniRGB-IR ViT-B/16 backbone.
_base_ = [
    'mmseg::_base_/models/upernet_vit-b16_ln_mln.py', './unirgbir-vit-b.py'
]

model = dict(
    data_preprocessor=dict(
        _delete_=True,
        type='RGBIRSegDataPreprocessor',
        mean=_base_.rgbir_mean,
        std=_base_.rgbir_std,
        bgr_to_rgb=True,
        pad_val=0,
        seg_pad_val=255),
    pretrained=None,
    backbone=dict(
        _delete_=True, **dict(_base_.unirgbir_backbone,
                              out_indices=(0, 1, 2, 3))),
    test_cfg=dict(mode='whole'))
