# The dropout mode (two ViT streams, RGB exposure augmentation, modality
# dropout) with the image-gradient alignment at inference only: it trains as
# the dropout config does, and a checkpoint of that config loads into it
# unchanged; tested, exported or served, pairs whose edges disagree by 4
# input px or more are moved back into register (docs/robustness.md).
_base_ = ['./faster-rcnn_unirgbir-dinov2-s16-vit-both-exposure-aug-modality-drop_simplefpn_1xb2-900i_msrs-dev.py']

model = dict(backbone=dict(mfp_cfg=dict(alignment_cfg=dict(
    match='image_gradients', max_displacement=8, pool=4, min_shift=4,
    gate_init=1., learn_gate=False, inference_only=True))))
