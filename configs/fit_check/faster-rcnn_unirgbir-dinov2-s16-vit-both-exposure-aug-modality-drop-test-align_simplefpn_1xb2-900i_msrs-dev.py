# The dropout mode (two ViT streams, RGB exposure augmentation, modality
# dropout) with the image-gradient alignment at inference only: it trains as
# the dropout config does, and a checkpoint of that config loads into it
# unchanged; tested, exported or served, pairs whose edges disagree by 3
# input px or more are moved back into register. The match leaves out the
# batch padding, takes the soft-argmax next to the best offset only and
# penalises far offsets (docs/robustness.md).
_base_ = ['./faster-rcnn_unirgbir-dinov2-s16-vit-both-exposure-aug-modality-drop_simplefpn_1xb2-900i_msrs-dev.py']

model = dict(backbone=dict(mfp_cfg=dict(alignment_cfg=dict(
    match='image_gradients', max_displacement=8, pool=4, min_shift=3,
    ignore_padding=True, peak_window=1, displacement_penalty=0.04,
    gate_init=1., learn_gate=False, inference_only=True))))
