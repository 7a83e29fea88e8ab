# The recommended fusion mode on MFNet trained with modality dropout, so that
# one checkpoint serves RGB+IR, RGB only and IR only (15 % of the training
# samples lose RGB, 15 % IR; docs/fusion.md).
_base_ = ['./setr-mla_unirgbir-vit-b-vit-both-exposure-aug_1xb4-80k_mfnet-480x640.py']

train_dataloader = dict(
    dataset=dict(pipeline=[
        *_base_.train_pipeline[:-1],
        dict(type='RandomModalityDrop', rgb_prob=0.15, ir_prob=0.15),
        dict(
            type='PackSegInputs',
            meta_keys=('img_path', 'seg_map_path', 'ori_shape', 'img_shape',
                       'pad_shape', 'scale_factor', 'flip', 'flip_direction',
                       'reduce_zero_label', 'missing_modality'))
    ]))
