# The `-align` model (two ViT streams, RGB exposure augmentation, the
# image-gradient alignment held open) trained on mildly misregistered pairs:
# half of the training IR images are moved by up to 16 px (of the 640-px
# originals) against the RGB image and its labels. On msrs_dev it kept its
# clean score with the IR image shifted 16 or 32 px (projects/real_data_checks/reports/robustness.md).
_base_ = ['./faster-rcnn_unirgbir-dinov2-s16-vit-both-exposure-aug-align_simplefpn_1xb2-900i_msrs-dev.py']

import mmunirgbir.configs._base_.unirgbir_vit_b as unirgbir  # noqa: E402

train_pipeline = unirgbir.with_misalignment(_base_.train_pipeline, 16)
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
