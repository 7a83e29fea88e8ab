# Modality dropout: the reference model trained so that one checkpoint
# serves RGB+IR, RGB only and IR only (15 % of the training samples lose
# RGB, 15 % IR, never both; on the demo 0.15 kept the clean mAP within 0.03
# of the fused model's, 0.25 cost 0.17: docs/robustness.md). Evaluate it,
# and the fused reference, with tools/analysis_tools/robustness_test.py.
_base_ = ['./cascade-rcnn_unirgbir-vit-b_simplefpn_16xb4-lsj-100e_flir-aligned.py']

import mmunirgbir.configs._base_.unirgbir_vit_b as unirgbir  # noqa: E402

train_dataloader = dict(
    dataset=dict(pipeline=unirgbir.with_modality_drop(_base_.train_pipeline)))
