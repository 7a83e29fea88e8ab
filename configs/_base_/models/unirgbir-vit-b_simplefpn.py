# The UniRGB-IR parts shared by the detectors: the 6-channel data
# preprocessor, the backbone with ViTDet window attention, and ViTDet's
# simple feature pyramid. Detector configs take them as
# `_base_.rgbir_data_preprocessor`, `_base_.unirgbir_backbone`, ...
_base_ = './unirgbir-vit-b.py'

lsj_size = (1024, 1024)
norm_cfg = dict(type='LN2d', requires_grad=True)

rgbir_data_preprocessor = dict(
    type='RGBIRDetDataPreprocessor',
    mean=_base_.rgbir_mean,
    std=_base_.rgbir_std,
    bgr_to_rgb=True,
    pad_size_divisor=32,
    # pads with 0 after normalisation, i.e. the mean pixel (about 114)
    batch_augments=[dict(type='BatchFixedSizePad', size=lsj_size)])

unirgbir_backbone = dict(
    window_size=14, global_attn_indexes=(2, 5, 8, 11), out_indices=(3, ))

simple_fpn = dict(
    type='SimpleFeaturePyramid',
    in_channels=768,
    out_channels=256,
    scale_factors=(4.0, 2.0, 1.0, 0.5),
    num_outs=5,
    norm_cfg=norm_cfg)
