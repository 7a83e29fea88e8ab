# Stock mmdet Faster R-CNN on the UniRGB-IR backbone (FLIR-aligned).
_base_ = [
    '../_base_/models/faster-rcnn_unirgbir-vit-b_simplefpn.py',
    '../_base_/datasets/flir-aligned_rgbir.py',
    '../_base_/schedules/adamw_lsj-100e.py', '../_base_/det_runtime.py'
]
model = dict(roi_head=dict(bbox_head=dict(num_classes=_base_.num_classes)))
