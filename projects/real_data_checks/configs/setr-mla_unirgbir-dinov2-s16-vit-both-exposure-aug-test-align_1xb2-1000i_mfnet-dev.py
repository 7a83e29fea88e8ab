# The two-stream segmentor with the image-gradient alignment at inference:
# it trains as the config without it, and its checkpoints load unchanged.
_base_ = ['./setr-mla_unirgbir-dinov2-s16-vit-both-exposure-aug_1xb2-1000i_mfnet-dev.py']
parts = __import__('mmunirgbir.configs._base_.unirgbir_vit_b', fromlist=['_'])

model = dict(backbone=dict(mfp_cfg=dict(
    alignment_cfg=parts.INFERENCE_ALIGNMENT)))
