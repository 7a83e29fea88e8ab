# The ViT on both images (two streams, gated), trained with RGB exposure
# augmentation: the recommended fusion mode on msrs_dev (projects/real_data_checks/reports/fusion.md).
_base_ = ['./faster-rcnn_unirgbir-dinov2-s16-vit-both_simplefpn_1xb2-900i_msrs-dev.py']
parts = __import__('mmunirgbir.configs._base_.unirgbir_vit_b', fromlist=['_'])

train_pipeline = parts.with_exposure_augmentation(_base_.train_pipeline)
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
