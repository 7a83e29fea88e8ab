# The UniRGB-IR backbone shared by every task: a frozen ViT-B/16 (timm) with
# the MFP/SFI adapter, plus the RGB / IR normalisation statistics and the
# segmentation variants. Task model configs take them as
# `_base_.unirgbir_backbone`, `_base_.rgbir_mean`, ...
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

# segmentation / SOD: all four stage outputs, and mmseg's preprocessing
unirgbir_seg_backbone = dict(unirgbir_backbone, out_indices=(0, 1, 2, 3))
rgbir_seg_data_preprocessor = dict(
    type='RGBIRSegDataPreprocessor',
    mean=rgbir_mean,
    std=rgbir_std,
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255)
