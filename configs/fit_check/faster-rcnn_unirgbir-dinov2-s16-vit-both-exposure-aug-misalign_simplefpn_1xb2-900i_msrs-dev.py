# Two ViT streams with RGB exposure augmentation, trained on misregistered
# pairs: half of the training IR images are moved by up to 40 px against the
# RGB image and its labels.
_base_ = ['./faster-rcnn_unirgbir-dinov2-s16-vit-both-exposure-aug_simplefpn_1xb2-900i_msrs-dev.py']

train_pipeline = [
    *_base_.train_pipeline[:2],
    dict(type='RandomModalityMisalign', modality='ir', max_shift=40,
         label_modality='rgb', prob=0.5),
    *_base_.train_pipeline[2:],
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
