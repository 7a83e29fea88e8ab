# Recommended fusion mode on FLIR-aligned: the frozen ViT runs the RGB and the IR
# image as two streams (vit_input='both', about 2x the ViT's cost), half of
# the training RGB images are darkened or over-exposed, so that the model
# leans on IR when the RGB camera fails, and at inference the IR image is
# moved back into register (image-gradient alignment, nothing trained).
# The paper's configuration: cascade-rcnn_unirgbir-vit-b_simplefpn_16xb4-lsj-100e_flir-aligned.py.
_base_ = ['./cascade-rcnn_unirgbir-vit-b_simplefpn_16xb4-lsj-100e_flir-aligned.py']
parts = __import__('mmunirgbir.configs._base_.unirgbir_vit_b', fromlist=['_'])

model = parts.RECOMMENDED_DET_MODEL
train_pipeline = parts.with_exposure_augmentation(_base_.train_pipeline)
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
