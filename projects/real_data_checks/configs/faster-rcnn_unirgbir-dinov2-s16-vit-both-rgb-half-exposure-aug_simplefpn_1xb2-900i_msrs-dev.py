# The recommended two-stream mode with the RGB stream on the 2x average-pooled
# RGB image (a quarter of its tokens; the IR stream keeps the input size):
# issue #42's cheaper fusion candidate.
_base_ = ['./faster-rcnn_unirgbir-dinov2-s16-vit-both-exposure-aug_simplefpn_1xb2-900i_msrs-dev.py']

model = dict(backbone=dict(rgb_stream_downsample=2))
