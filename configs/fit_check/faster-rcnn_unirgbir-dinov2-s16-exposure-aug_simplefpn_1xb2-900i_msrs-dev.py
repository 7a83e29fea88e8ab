# The paper's design trained with RGB exposure augmentation: half of the
# training RGB images are darkened or over-exposed, so that the model learns to
# lean on IR when the RGB camera fails.
_base_ = ['./faster-rcnn_unirgbir-dinov2-s16_simplefpn_1xb2-900i_msrs-dev.py']

train_pipeline = [
    dict(type='LoadRGBIRImagePair'),
    dict(type='LoadAnnotations', with_bbox=True),
    # half of the training RGB images darkened or over-exposed
    dict(type='RandomModalityExposure', modality='rgb', prob=0.5),
    dict(type='Resize', scale=(320, 240), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs', meta_keys=('img_id', 'img_path', 'ir_path',
                                          'ori_shape', 'img_shape',
                                          'scale_factor', 'flip',
                                          'flip_direction')),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
