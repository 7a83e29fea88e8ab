# The embedded demo: a small UniRGB-IR detector (frozen 4-block ViT, patch 8,
# with the MFP/SFI adapter) in a stock mmdet Faster R-CNN, trained for a few
# CPU minutes on deterministic synthetic RGB-IR scenes (people are warm in
# IR and almost invisible in RGB at night). `make demo` generates the data
# (tools/demo.py); so does `python tools/demo.py --data-only`.
_base_ = [
    '../_base_/models/faster-rcnn_unirgbir-vit-tiny_simplefpn.py',
    '../_base_/det_runtime.py'
]

data_root = 'data/synthetic_rgbir/'
metainfo = dict(classes=('person', 'car'), palette=[(220, 20, 60),
                                                     (0, 0, 142)])
model = dict(roi_head=dict(bbox_head=dict(num_classes=2)))

train_pipeline = [
    dict(type='LoadRGBIRImagePair'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='RandomFlip', prob=0.5),
    dict(
        type='ApplyToModality',
        modality='rgb',
        transforms=[dict(type='PhotoMetricDistortion')]),
    dict(type='IRPhotometricJitter', prob=0.3),
    dict(type='PackDetInputs', meta_keys=('img_id', 'img_path', 'ir_path',
                                          'ori_shape', 'img_shape',
                                          'scale_factor', 'flip',
                                          'flip_direction')),
]
test_pipeline = [
    dict(type='LoadRGBIRImagePair'),
    dict(type='Resize', scale=(160, 128), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs', meta_keys=('img_id', 'img_path', 'ir_path',
                                          'ori_shape', 'img_shape',
                                          'scale_factor')),
]
train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='RGBIRCocoDataset',
        data_root=data_root,
        metainfo=metainfo,
        ann_file='train.json',
        data_prefix=dict(img='train/'),
        filter_cfg=dict(filter_empty_gt=True),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=4,
    num_workers=0,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='RGBIRCocoDataset',
        data_root=data_root,
        metainfo=metainfo,
        ann_file='val.json',
        data_prefix=dict(img='val/'),
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(
    type='CocoMetric', ann_file=data_root + 'val.json', metric='bbox')
test_evaluator = val_evaluator

max_epochs = 12
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=12)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05),
    paramwise_cfg=dict(norm_decay_mult=0.))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=50),
    dict(type='MultiStepLR', by_epoch=True, milestones=[10], gamma=0.1)
]
auto_scale_lr = dict(enable=False, base_batch_size=4)

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10),
    checkpoint=dict(type='CheckpointHook', interval=4, max_keep_ckpts=2))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
