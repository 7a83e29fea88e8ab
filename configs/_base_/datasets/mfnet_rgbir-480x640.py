# MFNet as released: ir_seg_dataset/{images,labels}/NAME.png (images are
# 4-channel R, G, B, T PNGs), train.txt / val.txt / test.txt. 9 classes
# including 'unlabeled', which the benchmark's mIoU counts.
dataset_type = 'MFNetDataset'
data_root = 'data/MFNet/'
crop_size = (480, 640)
num_classes = 9
# ENet class weights of the MFNet train split, as commonly used
class_weight = [
    1.5105, 16.6591, 29.4238, 34.6315, 40.0845, 41.4357, 47.9794, 45.3725,
    44.9000
]

train_pipeline = [
    dict(type='LoadRGBIRImagePair'),
    dict(type='LoadRGBIRSegAnnotations'),
    dict(
        type='RandomResize',
        scale=(640, 480),
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(
        type='ApplyToModality',
        modality='rgb',
        transforms=[dict(type='PhotoMetricDistortion')]),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadRGBIRImagePair'),
    dict(type='Resize', scale=(640, 480), keep_ratio=True),
    dict(type='LoadRGBIRSegAnnotations'),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=4,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='train.txt',
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='test.txt',
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
