# Two ViT streams with RGB exposure augmentation and the image-gradient
# alignment on, its gate held open (nothing in it needs training; a learned
# gate closes on registered pairs): pairs whose edges disagree by 4 input px
# or more are moved back into register, nearly registered pairs are left
# alone. Trained on the registered pairs.
_base_ = ['./faster-rcnn_unirgbir-dinov2-s16-vit-both-exposure-aug_simplefpn_1xb2-900i_msrs-dev.py']

model = dict(backbone=dict(mfp_cfg=dict(alignment_cfg=dict(
    match='image_gradients', max_displacement=8, pool=4, min_shift=4,
    gate_init=1., learn_gate=False))))
