# The recommended fusion mode on MFNet trained with modality dropout, so that
# one checkpoint serves RGB+IR, RGB only and IR only (20 % of the training
# samples lose RGB, 15 % IR; docs/fusion.md).
_base_ = ['./setr-mla_unirgbir-vit-b-vit-both-exposure-aug_1xb4-80k_mfnet-480x640.py']

import mmunirgbir.configs._base_.unirgbir_vit_b as unirgbir  # noqa: E402

train_dataloader = dict(
    dataset=dict(pipeline=unirgbir.with_modality_drop(
        _base_.train_pipeline, **unirgbir.RECOMMENDED_MODALITY_DROP)))
