# The frozen ViT runs RGB and IR as two streams (one batch of two), both
# injected from the same feature pool; a learned gate blends their outputs.
_base_ = ['./faster-rcnn_unirgbir-dinov2-s16_simplefpn_1xb2-900i_msrs-dev.py']

model = dict(backbone=dict(vit_input='both'))
