# UniRGB-IR for salient object detection: the segmentor with 1-channel
# (sigmoid) SETR-MLA and auxiliary heads, each trained with BCE + IoU + SSIM
# (window 11).
_base_ = './setr-mla_unirgbir-vit-b.py'

saliency_losses = [
    dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0),
    dict(type='SaliencyIoULoss', loss_weight=1.0),
    dict(type='SSIMLoss', window_size=11, loss_weight=1.0),
]
model = dict(
    decode_head=dict(
        num_classes=2,
        out_channels=1,
        threshold=0.5,
        loss_decode=saliency_losses),
    auxiliary_head=[
        dict(
            head,
            num_classes=2,
            out_channels=1,
            threshold=0.5,
            loss_decode=[dict(loss, loss_weight=0.4)
                         for loss in saliency_losses])
        for head in _base_.model.auxiliary_head
    ])
