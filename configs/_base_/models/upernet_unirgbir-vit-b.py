# Stock mmseg UperNet (multi-level neck, UPerHead, FCN auxiliary head) on the
# four stage outputs of the UniRGB-IR ViT-B/16 backbone.
_base_ = 'mmseg::_base_/models/upernet_vit-b16_ln_mln.py'
# the shared UniRGB-IR parts: a module, which mmengine keeps out of the
# config (a call, not an import statement: docs/configs.md)
parts = __import__('mmunirgbir.configs._base_.unirgbir_vit_b', fromlist=['_'])

model = dict(
    data_preprocessor=dict(
        _delete_=True, **parts.seg_data_preprocessor),
    pretrained=None,
    backbone=dict(_delete_=True, **parts.seg_backbone),
    test_cfg=dict(mode='whole'))
