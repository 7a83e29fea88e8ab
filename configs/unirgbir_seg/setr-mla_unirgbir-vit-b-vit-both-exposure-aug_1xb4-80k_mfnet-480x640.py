# Recommended fusion mode on MFNet (segmentation): the frozen ViT runs the RGB and the IR
# image as two streams (vit_input='both', about 2x the ViT's cost, only the
# stream fusions' weights added) and half of the training RGB images are
# darkened or over-exposed (RandomModalityExposure), so that the model leans
# on IR when the RGB camera fails. Measured on real MSRS pairs in
# docs/fusion.md; the paper's configuration is setr-mla_unirgbir-vit-b_1xb4-80k_mfnet-480x640.py.
_base_ = ['./setr-mla_unirgbir-vit-b_1xb4-80k_mfnet-480x640.py']

model = dict(backbone=dict(vit_input='both'))
train_pipeline = [
    *_base_.train_pipeline[:2],
    dict(type='RandomModalityExposure', modality='rgb', prob=0.5),
    *_base_.train_pipeline[2:],
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
