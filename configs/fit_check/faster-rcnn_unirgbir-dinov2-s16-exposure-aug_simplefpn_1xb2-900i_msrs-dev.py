# The paper's design trained with RGB exposure augmentation: half of the
# training RGB images are darkened or over-exposed, so that the model learns to
# lean on IR when the RGB camera fails.
_base_ = ['./faster-rcnn_unirgbir-dinov2-s16_simplefpn_1xb2-900i_msrs-dev.py']

train_pipeline = [
    *_base_.train_pipeline[:2],
    # half of the training RGB images darkened or over-exposed
    dict(type='RandomModalityExposure', modality='rgb', prob=0.5),
    *_base_.train_pipeline[2:],
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
