# The paper's design trained on misregistered pairs: half of the training
# IR images are moved by up to 40 px (6 % of MSRS's 640-px width) against
# the RGB image and its labels, so that the injectors learn where the IR
# object really is.
_base_ = ['./faster-rcnn_unirgbir-dinov2-s16_simplefpn_1xb2-900i_msrs-dev.py']

parts = __import__('mmunirgbir.configs._base_.unirgbir_vit_b', fromlist=['_'])

train_pipeline = parts.with_misalignment(_base_.train_pipeline, 40)
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
