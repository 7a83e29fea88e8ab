# UniRGB-IR for salient object detection: stock mmseg EncoderDecoder with
# 1-channel (sigmoid) SETR-MLA and auxiliary FCN heads on the four stage
# outputs of the UniRGB-IR ViT-B/16 backbone, each trained with BCE + IoU +
# SSIM (window 11).
_base_ = 'mmseg::_base_/models/setr_mla.py'
# the shared UniRGB-IR parts: a module, which mmengine keeps out of the
# config (a call, not an import statement: docs/configs.md)
parts = __import__('mmunirgbir.configs._base_.unirgbir_vit_b', fromlist=['_'])

norm_cfg = dict(type='SyncBN', requires_grad=True)
# (mmengine keeps names that start with __ out of the config)
__losses = [
    dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0),
    dict(type='SaliencyIoULoss', loss_weight=1.0),
    dict(type='SSIMLoss', window_size=11, loss_weight=1.0),
]
__saliency = dict(num_classes=2, out_channels=1, threshold=0.5)
model = dict(
    **parts.setr_mla_parts,
    decode_head=dict(
        norm_cfg=norm_cfg, loss_decode=__losses, **__saliency),
    auxiliary_head=[
        dict(
            head,
            loss_decode=[
                dict(loss, loss_weight=0.4) for loss in __losses
            ],
            **__saliency) for head in _base_.model.auxiliary_head
    ],
    test_cfg=dict(mode='whole'))
