# The segmentation twin of the detection dropout mode: two ViT streams, RGB
# exposure augmentation and modality dropout (20 % of the training samples
# lose RGB, 15 % IR), one checkpoint for RGB+IR, IR only and RGB only.
_base_ = ['./setr-mla_unirgbir-dinov2-s16-vit-both-exposure-aug_1xb2-1000i_mfnet-dev.py']

parts = __import__('mmunirgbir.configs._base_.unirgbir_vit_b', fromlist=['_'])

# after loading and exposure augmentation, before the geometric transforms
train_pipeline = parts.with_modality_drop(
    _base_.train_pipeline, at=3, **parts.RECOMMENDED_MODALITY_DROP)
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
