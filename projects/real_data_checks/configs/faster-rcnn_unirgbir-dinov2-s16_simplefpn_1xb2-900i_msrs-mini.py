# The demo detector (stock mmdet Faster R-CNN on UniRGB-IR + ViTDet's simple
# feature pyramid) moved onto the real frozen DINOv2 ViT-S/14 in ../shared,
# with its patch embedding resampled to 16, trained on a handful of real
# MSRS day/night pairs (fusion labels). projects/real_data_checks/tools/fit_check.py
# trains it and reports the training-set mAP50: a healthy detector overfits
# them. ../shared is research-only data: it is read in place, never copied.
_base_ = [
    '../../../configs/_base_/models/faster-rcnn_unirgbir-vit-tiny_simplefpn.py',
    '../../../configs/_base_/det_runtime.py'
]

shared = '{{$MMUNIRGBIR_SHARED:../shared}}'
data_root = shared + '/data/msrs_mini/'
metainfo = dict(
    classes=('person', 'bicycle', 'car'),
    palette=[(220, 20, 60), (119, 11, 32), (0, 0, 142)])
input_size = (320, 240)  # (w, h)

model = dict(
    # the base's tiny ViT swapped for DINOv2 ViT-S/14, resampled to patch 16
    backbone=dict(
        vit_name='vit_small_patch14_dinov2',
        img_size=(240, 320),
        patch_size=16,
        vit_cfg=dict(_delete_=True),
        mfp_cfg=dict(_delete_=True),
        init_cfg=dict(
            type='Pretrained',
            checkpoint=shared + '/weights/dinov2_vits14_imgfocus.pth')),
    neck=dict(
        in_channels=384, scale_factors=(4.0, 2.0, 1.0, 0.5), num_outs=5),
    # anchors of 16 px at stride 4: at 320x240 over a quarter of the boxes
    # (small persons) are under 16 px; 32-px anchors (scale 8) left them
    # without a positive anchor (RGB-only train mAP50 0.778, small-box
    # recall 0.006; with scale 4: 0.947 and 0.507, reports/fit_check.md)
    rpn_head=dict(
        anchor_generator=dict(scales=[4], strides=[4, 8, 16, 32, 64])),
    roi_head=dict(bbox_head=dict(num_classes=len(metainfo['classes']))))

# resized to input_size; the test pipeline loads the boxes after the resize
# and packs them ('instances'), which CocoMetric without a json reads
load_pair = dict(type='LoadRGBIRImagePair')
load_boxes = dict(type='LoadAnnotations', with_bbox=True)
resize = dict(type='Resize', scale=input_size, keep_ratio=True)
meta_keys = ('img_id', 'img_path', 'ir_path', 'ori_shape', 'img_shape',
             'scale_factor')
train_pipeline = [
    load_pair, load_boxes, resize,
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs',
         meta_keys=meta_keys + ('flip', 'flip_direction'))
]
test_pipeline = [
    load_pair, resize, load_boxes,
    dict(type='PackDetInputs', meta_keys=meta_keys + ('instances', ))
]
dataset = dict(
    type='RGBIRYOLODataset',
    data_root=data_root,
    metainfo=metainfo,
    data_prefix=dict(img='vi', ir='ir', ann='labels_fusion'))
train_dataloader = dict(
    batch_size=2,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        dataset,
        pipeline=train_pipeline,
        filter_cfg=dict(filter_empty_gt=True)))
val_dataloader = dict(
    batch_size=2,
    num_workers=0,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(dataset, pipeline=test_pipeline, test_mode=True))
test_dataloader = val_dataloader
# COCO mAP against the ground truth of the loaded samples (no json needed)
val_evaluator = dict(type='CocoMetric', metric='bbox')
test_evaluator = val_evaluator

max_iters = 900
train_cfg = dict(
    type='IterBasedTrainLoop',
    max_iters=max_iters,
    val_interval=max_iters)
optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05),
    paramwise_cfg=dict(norm_decay_mult=0.))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=50)
]
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=20),
    checkpoint=dict(type='CheckpointHook', interval=max_iters,
                    by_epoch=False, max_keep_ckpts=1))
log_processor = dict(by_epoch=False)
env_cfg = dict(dist_cfg=dict(backend='gloo'))
