# The frozen ViT sees the IR image; RGB enters through the adapter.
_base_ = ['./faster-rcnn_unirgbir-dinov2-s16_simplefpn_1xb2-900i_msrs-dev.py']

model = dict(backbone=dict(vit_input='ir'))
