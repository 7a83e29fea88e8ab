# UniRGB-IR on a frozen DINOv3 ViT-B/16 (timm Eva: rotary positions for every
# input size, class + 4 register tokens kept; global attention, since Eva
# blocks take no windows), FLIR-aligned. Download Meta's DINOv3 ViT-B/16
# weights yourself (original or timm key layout) and give their path:
#   --cfg-options model.backbone.init_cfg.checkpoint=PATH
_base_ = ['./cascade-rcnn_unirgbir-vit-b_simplefpn_16xb4-lsj-100e_flir-aligned.py']

model = dict(
    backbone=dict(
        vit_name='vit_base_patch16_dinov3',
        with_cls_token=True,
        window_size=0,
        init_cfg=dict(
            checkpoint='checkpoints/dinov3_vitb16_pretrain_lvd1689m.pth')))
