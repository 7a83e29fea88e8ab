# The ViT on both images (two streams, gated), trained with RGB exposure
# augmentation: the recommended fusion mode on msrs_dev (docs/fusion.md).
_base_ = ['./faster-rcnn_unirgbir-dinov2-s16-vit-both_simplefpn_1xb2-900i_msrs-dev.py']

train_pipeline = [
    *_base_.train_pipeline[:2],
    # half of the training RGB images darkened or over-exposed
    dict(type='RandomModalityExposure', modality='rgb', prob=0.5),
    *_base_.train_pipeline[2:],
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
