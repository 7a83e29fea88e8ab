# The paper's design trained on misregistered pairs, with the alignment step:
# a ModalityAlignment in the feature pool estimates one translation per image
# by matching the two images' edges (reach 32 input px) and moves the IR
# features onto the RGB features before they are mixed (its gate starts at 0).
_base_ = ['./faster-rcnn_unirgbir-dinov2-s16-misalign_simplefpn_1xb2-900i_msrs-dev.py']

model = dict(backbone=dict(mfp_cfg=dict(alignment_cfg=dict(
    match='image_gradients', max_displacement=8, pool=4))))
