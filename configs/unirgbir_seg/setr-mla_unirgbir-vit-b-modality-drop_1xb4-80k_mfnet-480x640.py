# Modality dropout: the MFNet segmentor trained so that one checkpoint serves
# RGB+IR, RGB only and IR only (15 % of the training samples lose RGB,
# 15 % IR, never both; see docs/robustness.md). Evaluate it with
# tools/analysis_tools/robustness_test.py.
_base_ = [
    '../_base_/models/setr-mla_unirgbir-vit-b.py',
    '../_base_/datasets/mfnet_rgbir-480x640.py', '../_base_/seg_runtime.py',
    'mmseg::_base_/schedules/schedule_80k.py'
]
model = dict(
    data_preprocessor=dict(size=_base_.crop_size),
    decode_head=dict(
        num_classes=_base_.num_classes,
        loss_decode=dict(class_weight=_base_.class_weight)),
    auxiliary_head=[
        dict(
            head,
            num_classes=_base_.num_classes,
            loss_decode=dict(
                head.loss_decode, class_weight=_base_.class_weight))
        for head in _base_.model.auxiliary_head
    ])
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
