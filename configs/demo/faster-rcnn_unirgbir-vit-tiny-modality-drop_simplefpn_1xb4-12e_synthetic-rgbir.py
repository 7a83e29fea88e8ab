# The demo detector trained with modality dropout: 15 % of the samples
# lose their RGB image, 15 % their IR image (never both), so one model
# serves RGB+IR, RGB only and IR only (compare both demo models with
# tools/analysis_tools/robustness_test.py).
_base_ = [
    '../_base_/models/faster-rcnn_unirgbir-vit-tiny_simplefpn.py',
    '../_base_/datasets/synthetic-rgbir_demo.py',
    '../_base_/schedules/adamw_cpu-12e.py', '../_base_/det_runtime.py'
]

model = dict(
    roi_head=dict(bbox_head=dict(num_classes=_base_.num_classes)))
train_dataloader = dict(
    dataset=dict(pipeline=[
        *_base_.train_pipeline[:-1],
        dict(type='RandomModalityDrop', rgb_prob=0.15, ir_prob=0.15),
        dict(
            type='PackDetInputs',
            meta_keys=_base_.train_pipeline[-1].meta_keys +
            ('missing_modality', ))
    ]))

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10),
    checkpoint=dict(type='CheckpointHook', interval=4, max_keep_ckpts=2))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
