# The dropout mode (two ViT streams, RGB exposure augmentation, modality
# dropout) with the image-gradient alignment at inference only: it trains as
# the dropout config does, and a checkpoint of that config loads into it
# unchanged; tested, exported or served, pairs whose edges disagree by 3
# input px or more are moved back into register (projects/real_data_checks/reports/robustness.md).
_base_ = ['./faster-rcnn_unirgbir-dinov2-s16-vit-both-exposure-aug-modality-drop_simplefpn_1xb2-900i_msrs-dev.py']

parts = __import__('mmunirgbir.configs._base_.unirgbir_vit_b', fromlist=['_'])

model = dict(backbone=dict(mfp_cfg=dict(
    alignment_cfg=parts.INFERENCE_ALIGNMENT)))
