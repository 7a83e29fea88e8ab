# Two ViT streams with RGB exposure augmentation (the recommended fusion
# mode without dropout) and the image-gradient alignment at inference only:
# it trains as that config does, and a checkpoint of it loads into this one
# unchanged; tested, exported or served, pairs whose edges disagree by 3
# input px or more are moved back into register (projects/real_data_checks/reports/robustness.md).
_base_ = ['./faster-rcnn_unirgbir-dinov2-s16-vit-both-exposure-aug_simplefpn_1xb2-900i_msrs-dev.py']

parts = __import__('mmunirgbir.configs._base_.unirgbir_vit_b', fromlist=['_'])

model = dict(backbone=dict(mfp_cfg=dict(
    alignment_cfg=parts.INFERENCE_ALIGNMENT)))
