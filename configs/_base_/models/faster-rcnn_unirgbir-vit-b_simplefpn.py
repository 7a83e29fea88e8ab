# Stock mmdet Faster R-CNN (RPN with 2 convs, Shared4Conv1FC box head with
# LN) on the UniRGB-IR ViT-B/16 backbone and ViTDet's simple feature pyramid.
_base_ = 'mmdet::_base_/models/faster-rcnn_r50_fpn.py'
# the shared UniRGB-IR parts: a module, which mmengine keeps out of the
# config (a call, not an import statement: docs/configs.md)
parts = __import__('mmunirgbir.configs._base_.unirgbir_vit_b', fromlist=['_'])

model = dict(
    **parts.two_stage_parts,
    roi_head=dict(
        bbox_head=dict(
            type='Shared4Conv1FCBBoxHead',
            conv_out_channels=256,
            norm_cfg=parts.ln2d_cfg)))
