# Baseline: the same model fed only the IR image (ViT and both MFP stems),
# to measure the fusion gain against cascade-rcnn_unirgbir-vit-b_simplefpn_16xb4-lsj-100e_llvip.py.
_base_ = [
    '../_base_/models/cascade-rcnn_unirgbir-vit-b_simplefpn.py',
    '../_base_/datasets/llvip_rgbir.py',
    '../_base_/schedules/adamw_lsj-100e.py', '../_base_/det_runtime.py'
]
model = dict(
    backbone=dict(modality='ir'),
    roi_head=dict(bbox_head=[
        dict(head, num_classes=_base_.num_classes)
        for head in _base_.model.roi_head.bbox_head
    ]))
