# The paper's design trained with RGB exposure augmentation: half of the
# training RGB images are darkened or over-exposed, so that the model learns to
# lean on IR when the RGB camera fails.
_base_ = ['./faster-rcnn_unirgbir-dinov2-s16_simplefpn_1xb2-900i_msrs-dev.py']
parts = __import__('mmunirgbir.configs._base_.unirgbir_vit_b', fromlist=['_'])

train_pipeline = parts.with_exposure_augmentation(_base_.train_pipeline)
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
