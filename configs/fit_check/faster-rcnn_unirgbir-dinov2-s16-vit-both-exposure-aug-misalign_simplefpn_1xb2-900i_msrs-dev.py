# Two ViT streams with RGB exposure augmentation, trained on misregistered
# pairs: every training IR image is moved by up to 40 px against the RGB
# image and its labels.
_base_ = [
    './faster-rcnn_unirgbir-dinov2-s16-vit-both-exposure-aug_simplefpn_1xb2-900i_msrs-dev.py'  # noqa
]

train_pipeline = [
    dict(type='LoadRGBIRImagePair'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='RandomModalityMisalign', modality='ir', max_shift=40,
         label_modality='rgb'),
    dict(type='RandomModalityExposure', modality='rgb', prob=0.5),
    dict(type='Resize', scale=(320, 240), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs', meta_keys=('img_id', 'img_path', 'ir_path',
                                          'ori_shape', 'img_shape',
                                          'scale_factor', 'flip',
                                          'flip_direction')),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
