# The detection winner on segmentation: the frozen ViT on both images (two
# streams, gated), trained with half of the RGB images darkened or
# over-exposed (RandomModalityExposure).
_base_ = ['./setr-mla_unirgbir-dinov2-s16_1xb2-1000i_mfnet-dev.py']
parts = __import__('mmunirgbir.configs._base_.unirgbir_vit_b', fromlist=['_'])

model = dict(backbone=dict(vit_input='both'))
train_pipeline = parts.with_exposure_augmentation(_base_.train_pipeline)
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
