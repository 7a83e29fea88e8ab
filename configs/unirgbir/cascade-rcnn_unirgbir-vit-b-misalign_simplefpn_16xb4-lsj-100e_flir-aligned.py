# The paper's configuration on FLIR-aligned for misregistered cameras: half of the
# training IR images are moved by up to 5 % of the image size against the
# RGB image, which keeps the labels (RandomModalityMisalign, before the
# geometric transforms), and the feature pool's alignment step estimates one
# shift per image from the two images' edges (reach 64 input px) and moves
# the IR features back (ModalityAlignment, gate from 0). On real MSRS pairs
# the two-stream model trained this way lost 1 % with IR 32 px off, where
# the plain one lost 47 % (docs/robustness.md).
_base_ = ['./cascade-rcnn_unirgbir-vit-b_simplefpn_16xb4-lsj-100e_flir-aligned.py']

import mmunirgbir.configs._base_.unirgbir_vit_b as unirgbir  # noqa: E402

model = dict(backbone=dict(mfp_cfg=dict(alignment_cfg=dict(
    match='image_gradients', max_displacement=8, pool=8))))
train_pipeline = unirgbir.with_misalignment(_base_.train_pipeline, 0.05)
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
