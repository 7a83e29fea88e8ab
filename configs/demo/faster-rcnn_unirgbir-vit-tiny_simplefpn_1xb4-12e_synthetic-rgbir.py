# The embedded demo: a small UniRGB-IR detector (frozen 4-block ViT, patch 8,
# with the MFP/SFI adapter) in a stock mmdet Faster R-CNN, trained for a few
# CPU minutes on deterministic synthetic RGB-IR scenes (people are warm in
# IR and almost invisible in RGB at night). `make demo` generates the data
# (tools/demo.py); so does `python tools/demo.py --data-only`.
_base_ = [
    '../_base_/models/faster-rcnn_unirgbir-vit-tiny_simplefpn.py',
    '../_base_/datasets/synthetic-rgbir_demo.py',
    '../_base_/schedules/adamw_cpu-12e.py', '../_base_/det_runtime.py'
]

model = dict(
    roi_head=dict(bbox_head=dict(num_classes=_base_.num_classes)))

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10),
    checkpoint=dict(type='CheckpointHook', interval=4, max_keep_ckpts=2))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
