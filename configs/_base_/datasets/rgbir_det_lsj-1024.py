# Paired RGB-IR detection pipelines with ViTDet's large-scale jitter (LSJ):
# resize 0.1-2.0 of 1024, crop 1024, flip; padding to 1024 happens in the
# data preprocessor (BatchFixedSizePad), since pipeline Pad cannot do 6
# channels. Geometric transforms are stock mmdet: one random draw moves RGB
# and IR together.
image_size = (1024, 1024)
backend_args = None

train_pipeline = [
    dict(type='LoadRGBIRImagePair', backend_args=backend_args),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='RandomFlip', prob=0.5),
    dict(
        type='RandomResize',
        scale=image_size,
        ratio_range=(0.1, 2.0),
        keep_ratio=True),
    dict(
        type='RandomCrop',
        crop_type='absolute_range',
        crop_size=image_size,
        recompute_bbox=True,
        allow_negative_crop=True),
    dict(type='FilterAnnotations', min_gt_bbox_wh=(1e-2, 1e-2)),
    dict(type='PackDetInputs', meta_keys=('img_id', 'img_path', 'ir_path',
                                          'ori_shape', 'img_shape',
                                          'scale_factor', 'flip',
                                          'flip_direction')),
]
test_pipeline = [
    dict(type='LoadRGBIRImagePair', backend_args=backend_args),
    dict(type='Resize', scale=image_size, keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    # 'instances' lets CocoMetric build the ground truth of non-COCO sets
    dict(type='PackDetInputs', meta_keys=('img_id', 'img_path', 'ir_path',
                                          'ori_shape', 'img_shape',
                                          'scale_factor', 'instances')),
]

train_dataloader = dict(
    batch_size=4,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    batch_sampler=dict(type='AspectRatioBatchSampler'),
    dataset=dict(
        filter_cfg=dict(filter_empty_gt=True, min_size=8),
        pipeline=train_pipeline,
        backend_args=backend_args))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        test_mode=True, pipeline=test_pipeline, backend_args=backend_args))
test_dataloader = val_dataloader
val_evaluator = dict(type='CocoMetric', metric='bbox', format_only=False)
test_evaluator = val_evaluator
