# The recommended two-stream mode with the IR stream on the 2x average-pooled
# IR image (a quarter of its tokens): issue #42's cheaper fusion candidate.
_base_ = ['./faster-rcnn_unirgbir-dinov2-s16-vit-both-exposure-aug_simplefpn_1xb2-900i_msrs-dev.py']

model = dict(backbone=dict(ir_stream_downsample=2))
