# The ViT on both images, RGB exposure augmentation and modality dropout:
# one checkpoint for RGB+IR, IR only and RGB only (20 % of the training
# samples lose RGB, 15 % IR; the rows of projects/real_data_checks/reports/fusion.md measured at 15 % / 15 %
# are reproduced with
# --cfg-options train_dataloader.dataset.pipeline.3.rgb_prob=0.15).
_base_ = ['./faster-rcnn_unirgbir-dinov2-s16-vit-both-exposure-aug_simplefpn_1xb2-900i_msrs-dev.py']

parts = __import__('mmunirgbir.configs._base_.unirgbir_vit_b', fromlist=['_'])

# after loading and exposure augmentation, before the geometric transforms
train_pipeline = parts.with_modality_drop(
    _base_.train_pipeline, at=3, **parts.RECOMMENDED_MODALITY_DROP)
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
