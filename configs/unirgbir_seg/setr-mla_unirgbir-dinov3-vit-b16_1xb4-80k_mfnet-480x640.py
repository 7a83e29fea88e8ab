# UniRGB-IR segmentation on a frozen DINOv3 ViT-B/16 (timm Eva: rotary
# positions, class + 4 register tokens kept), MFNet. Download Meta's DINOv3
# ViT-B/16 weights yourself (original or timm key layout) and give their path:
#   --cfg-options model.backbone.init_cfg.checkpoint=PATH
_base_ = [
    '../_base_/models/setr-mla_unirgbir-vit-b.py',
    '../_base_/datasets/mfnet_rgbir-480x640.py', '../_base_/seg_runtime.py',
    'mmseg::_base_/schedules/schedule_80k.py'
]
model = dict(
    backbone=dict(
        vit_name='vit_base_patch16_dinov3',
        with_cls_token=True,
        init_cfg=dict(
            checkpoint='checkpoints/dinov3_vitb16_pretrain_lvd1689m.pth')),
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
