# UniRGB-IR reference: KAIST multispectral pedestrians (MR^-2, lower is better).
_base_ = [
    '../_base_/models/cascade-rcnn_unirgbir-vit-b_simplefpn.py',
    '../_base_/datasets/kaist_rgbir.py',
    '../_base_/schedules/adamw_lsj-100e.py'
]
model = dict(
    roi_head=dict(bbox_head=[
        dict(head, num_classes=1) for head in _base_.model.roi_head.bbox_head
    ]))
