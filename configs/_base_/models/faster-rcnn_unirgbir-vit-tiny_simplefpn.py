# A small UniRGB-IR detector for CPU runs (the demo, the real-data fit
# check): stock mmdet Faster R-CNN with a 64-channel simple feature pyramid,
# RPN and 2-FC box head on a 4-block, patch-8 UniRGB-IR ViT (random, frozen).
# Configs set the class count of their data.
_base_ = 'mmdet::_base_/models/faster-rcnn_r50_fpn.py'
# the shared UniRGB-IR parts: a module, which mmengine keeps out of the
# config (a call, not an import statement: docs/configs.md)
parts = __import__('mmunirgbir.configs._base_.unirgbir_vit_b', fromlist=['_'])

model = dict(
    data_preprocessor=dict(
        type='RGBIRDetDataPreprocessor',
        mean=parts.rgbir_mean,
        std=parts.rgbir_std,
        bgr_to_rgb=True,
        pad_size_divisor=32),
    backbone=dict(
        _delete_=True,
        type='UniRGBIRViT',
        vit_name='vit_base_patch16_224',
        img_size=(128, 160),
        patch_size=8,
        vit_cfg=dict(embed_dim=96, depth=4, num_heads=3),
        sfi_cfg=dict(num_heads=6),
        mfp_cfg=dict(stem_channels=32, pyramid_channels=(64, 96, 96)),
        out_indices=(3, )),
    neck=dict(
        _delete_=True,
        type='SimpleFeaturePyramid',
        in_channels=96,
        out_channels=64,
        scale_factors=(2.0, 1.0, 0.5),
        num_outs=4),
    rpn_head=dict(
        in_channels=64,
        feat_channels=64,
        anchor_generator=dict(scales=[4], strides=[4, 8, 16, 32])),
    roi_head=dict(
        bbox_roi_extractor=dict(
            out_channels=64, featmap_strides=[4, 8, 16, 32]),
        bbox_head=dict(in_channels=64, fc_out_channels=256)),
    train_cfg=dict(
        rpn_proposal=dict(nms_pre=1000, max_per_img=300),
        rcnn=dict(sampler=dict(num=128))),
    test_cfg=dict(rpn=dict(nms_pre=500, max_per_img=100)))
