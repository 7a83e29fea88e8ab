# UniRGB-IR on a frozen DINOv3 ViT-B/16 (timm Eva: rotary positions for every
# input size, class + 4 register tokens kept; global attention, since Eva
# blocks take no windows), FLIR-aligned. Download Meta's DINOv3 ViT-B/16
# weights yourself (original or timm key layout) and give their path:
#   --cfg-options model.backbone.init_cfg.checkpoint=PATH
_base_ = [
    '../_base_/models/cascade-rcnn_unirgbir-vit-b_simplefpn.py',
    '../_base_/datasets/flir-aligned_rgbir.py',
    '../_base_/schedules/adamw_lsj-100e.py', '../_base_/det_runtime.py'
]
model = dict(
    backbone=dict(
        vit_name='vit_base_patch16_dinov3',
        with_cls_token=True,
        window_size=0,
        init_cfg=dict(
            checkpoint='checkpoints/dinov3_vitb16_pretrain_lvd1689m.pth')),
    roi_head=dict(bbox_head=[
        dict(head, num_classes=_base_.num_classes)
        for head in _base_.model.roi_head.bbox_head
    ]))
