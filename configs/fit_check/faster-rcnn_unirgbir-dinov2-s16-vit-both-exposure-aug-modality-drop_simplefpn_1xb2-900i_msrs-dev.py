# The ViT on both images, RGB exposure augmentation and modality dropout:
# one checkpoint for RGB+IR, IR only and RGB only.
_base_ = ['./faster-rcnn_unirgbir-dinov2-s16-vit-both-exposure-aug_simplefpn_1xb2-900i_msrs-dev.py']

train_pipeline = [
    dict(type='LoadRGBIRImagePair'),
    dict(type='LoadAnnotations', with_bbox=True),
    # half of the training RGB images darkened or over-exposed
    dict(type='RandomModalityExposure', modality='rgb', prob=0.5),
    # one model for RGB+IR, IR only and RGB only
    dict(type='RandomModalityDrop', rgb_prob=0.15, ir_prob=0.15),
    dict(type='Resize', scale=(320, 240), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs', meta_keys=('img_id', 'img_path', 'ir_path',
                                          'ori_shape', 'img_shape',
                                          'scale_factor', 'flip',
                                          'flip_direction', 'missing_modality')),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
