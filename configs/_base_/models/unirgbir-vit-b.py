# The UniRGB-IR backbone shared by every task: a frozen ViT-B/16 (timm) with
# the MFP/SFI adapter, plus the RGB / IR normalisation statistics. Task model
# configs take them as `_base_.unirgbir_backbone`, `_base_.rgbir_mean`, ...
# ImageNet statistics for RGB; ImageNet grey-level statistics for IR
rgbir_mean = [123.675, 116.28, 103.53, 114.495, 114.495, 114.495]
rgbir_std = [58.395, 57.12, 57.375, 57.63, 57.63, 57.63]

unirgbir_backbone = dict(
    type='UniRGBIRViT',
    vit_name='vit_base_patch16_224',
    img_size=224,
    # MAE ImageNet-1k ViT-B/16 with timm key names, as released at
    # dl.fbaipublicfiles.com/mae/pretrain/mae_pretrain_vit_base.pth;
    # detectron2 ViTDet .pkl and timm .safetensors files load too.
    init_cfg=dict(
        type='Pretrained', checkpoint='checkpoints/mae_pretrain_vit_base.pth'))
