# The demo detector trained on misregistered pairs: half of the training IR
# images are moved by up to 16 px (10 % of the 160-px scenes) against the RGB
# image, which keeps the labels; 24 epochs. Alone this does not make the
# model robust (the injectors cannot tell where the IR object moved): the
# -misalign-align config adds the alignment step (projects/real_data_checks/reports/robustness.md).
_base_ = ['./faster-rcnn_unirgbir-vit-tiny_simplefpn_1xb4-12e_synthetic-rgbir.py']

import mmunirgbir.configs._base_.unirgbir_vit_b as unirgbir  # noqa: E402

train_pipeline = unirgbir.with_misalignment(_base_.train_pipeline, 16)
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
max_epochs = 24
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=50),
    dict(type='MultiStepLR', by_epoch=True, milestones=[20], gamma=0.1)
]
