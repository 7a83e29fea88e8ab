# The paper's design trained on misregistered pairs: half of the training
# IR images are moved by up to 40 px (6 % of MSRS's 640-px width) against
# the RGB image and its labels, so that the injectors learn where the IR
# object really is.
_base_ = ['./faster-rcnn_unirgbir-dinov2-s16_simplefpn_1xb2-900i_msrs-dev.py']

train_pipeline = [
    *_base_.train_pipeline[:2],
    dict(type='RandomModalityMisalign', modality='ir', max_shift=40,
         label_modality='rgb', prob=0.5),
    *_base_.train_pipeline[2:],
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
