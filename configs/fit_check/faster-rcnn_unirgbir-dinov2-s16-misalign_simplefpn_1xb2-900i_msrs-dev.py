# The paper's design trained on misregistered pairs: every training IR image
# is moved by up to 40 px (6 % of MSRS's 640-px width) against the RGB image
# and its labels, so that the injectors learn where the IR object really is.
_base_ = ['./faster-rcnn_unirgbir-dinov2-s16_simplefpn_1xb2-900i_msrs-dev.py']

train_pipeline = [
    dict(type='LoadRGBIRImagePair'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='RandomModalityMisalign', modality='ir', max_shift=40,
         label_modality='rgb'),
    dict(type='Resize', scale=(320, 240), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs', meta_keys=('img_id', 'img_path', 'ir_path',
                                          'ori_shape', 'img_shape',
                                          'scale_factor', 'flip',
                                          'flip_direction')),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
