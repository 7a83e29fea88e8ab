# UniRGB-IR reference detector: Cascade R-CNN (RPN with 2 convs,
# Shared4Conv1FC box heads with LN, class-agnostic regression) on the
# UniRGB-IR ViT-B/16 backbone and ViTDet's simple feature pyramid. The class
# count comes from the data set (leaves set `num_classes`).
_base_ = 'mmdet::_base_/models/cascade-rcnn_r50_fpn.py'
# the shared UniRGB-IR parts: a module, which mmengine keeps out of the
# config (a call, not an import statement: docs/configs.md)
parts = __import__('mmunirgbir.configs._base_.unirgbir_vit_b', fromlist=['_'])

model = dict(
    **parts.two_stage_parts,
    roi_head=dict(bbox_head=[
        dict(
            type='Shared4Conv1FCBBoxHead',
            conv_out_channels=256,
            norm_cfg=parts.ln2d_cfg,
            in_channels=256,
            fc_out_channels=1024,
            roi_feat_size=7,
            bbox_coder=dict(
                type='DeltaXYWHBBoxCoder',
                target_means=[0., 0., 0., 0.],
                target_stds=stds),
            reg_class_agnostic=True,
            loss_cls=dict(
                type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
            loss_bbox=dict(type='SmoothL1Loss', beta=1.0, loss_weight=1.0))
        for stds in ([0.1, 0.1, 0.2, 0.2], [0.05, 0.05, 0.1, 0.1],
                     [0.033, 0.033, 0.067, 0.067])
    ]))
