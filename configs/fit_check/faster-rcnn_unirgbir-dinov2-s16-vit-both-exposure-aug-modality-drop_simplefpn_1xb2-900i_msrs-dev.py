# The ViT on both images, RGB exposure augmentation and modality dropout:
# one checkpoint for RGB+IR, IR only and RGB only.
_base_ = ['./faster-rcnn_unirgbir-dinov2-s16-vit-both-exposure-aug_simplefpn_1xb2-900i_msrs-dev.py']

train_pipeline = [
    *_base_.train_pipeline[:3],
    # one model for RGB+IR, IR only and RGB only
    dict(type='RandomModalityDrop', rgb_prob=0.15, ir_prob=0.15),
    *_base_.train_pipeline[3:-1],
    dict(
        type='PackDetInputs',
        meta_keys=_base_.train_pipeline[-1].meta_keys +
        ('missing_modality', )),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
