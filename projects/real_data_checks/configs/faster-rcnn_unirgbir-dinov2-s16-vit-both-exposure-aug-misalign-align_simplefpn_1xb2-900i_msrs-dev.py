# Two ViT streams trained on misregistered pairs, with the alignment step:
# the feature pool's ModalityAlignment estimates one translation per image
# by matching the two images' edges (reach 32 input px), moves the IR
# features onto the RGB features and moves the IR image the ViT's IR stream
# sees by the same shift (its gate starts at 0).
_base_ = ['./faster-rcnn_unirgbir-dinov2-s16-vit-both-exposure-aug-misalign_simplefpn_1xb2-900i_msrs-dev.py']

model = dict(backbone=dict(mfp_cfg=dict(alignment_cfg=dict(
    match='image_gradients', max_displacement=8, pool=4))))
