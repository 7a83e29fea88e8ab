# The recommended fusion mode at about 1.2x the paper mode's inference time
# (the full two streams: about 2x): the frozen ViT's RGB stream runs on the
# 2x2 average-pooled RGB image, a quarter of the IR stream's tokens, and the
# IR stream keeps the full size. It adds no weights, so a checkpoint of the
# recommended mode loads into it.
# The recommended mode: setr-mla_unirgbir-vit-b-vit-both-exposure-aug_1xb4-80k_mfnet-480x640.py.
_base_ = ['./setr-mla_unirgbir-vit-b-vit-both-exposure-aug_1xb4-80k_mfnet-480x640.py']

model = dict(backbone=dict(rgb_stream_downsample=2))
