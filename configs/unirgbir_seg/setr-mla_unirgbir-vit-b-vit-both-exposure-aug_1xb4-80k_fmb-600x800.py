# Recommended fusion mode on FMB: the frozen ViT runs the RGB and the IR
# image as two streams (vit_input='both', about 2x the ViT's cost), and half
# of the training RGB images are darkened or over-exposed, so that the model
# leans on IR when the RGB camera fails.
# The paper's configuration: setr-mla_unirgbir-vit-b_1xb4-80k_fmb-600x800.py.
_base_ = ['./setr-mla_unirgbir-vit-b_1xb4-80k_fmb-600x800.py']
parts = __import__('mmunirgbir.configs._base_.unirgbir_vit_b', fromlist=['_'])

model = dict(backbone=dict(vit_input='both'))
train_pipeline = parts.with_exposure_augmentation(_base_.train_pipeline)
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
