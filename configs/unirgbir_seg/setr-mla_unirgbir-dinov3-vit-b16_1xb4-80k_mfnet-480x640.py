# UniRGB-IR segmentation on a frozen DINOv3 ViT-B/16 (timm Eva: rotary
# positions, class + 4 register tokens kept), MFNet. Download Meta's DINOv3
# ViT-B/16 weights yourself (original or timm key layout) and give their path:
#   --cfg-options model.backbone.init_cfg.checkpoint=PATH
_base_ = ['./setr-mla_unirgbir-vit-b_1xb4-80k_mfnet-480x640.py']

model = dict(
    backbone=dict(
        vit_name='vit_base_patch16_dinov3',
        with_cls_token=True,
        init_cfg=dict(
            checkpoint='checkpoints/dinov3_vitb16_pretrain_lvd1689m.pth')))
