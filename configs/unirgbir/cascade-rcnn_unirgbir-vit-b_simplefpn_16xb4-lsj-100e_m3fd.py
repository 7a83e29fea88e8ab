# UniRGB-IR reference: M3FD (6 classes).
_base_ = [
    '../_base_/models/cascade-rcnn_unirgbir-vit-b_simplefpn.py',
    '../_base_/datasets/m3fd_rgbir.py',
    '../_base_/schedules/adamw_lsj-100e.py', '../_base_/det_runtime.py'
]
model = dict(
    roi_head=dict(bbox_head=[
        dict(head, num_classes=_base_.num_classes)
        for head in _base_.model.roi_head.bbox_head
    ]))
