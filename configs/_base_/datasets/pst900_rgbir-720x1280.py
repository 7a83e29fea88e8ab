# PST900 as released: PST900_RGBT_Dataset/{train,test}/{rgb,thermal,labels}.
_base_ = './mfnet_rgbir-480x640.py'

dataset_type = 'PST900Dataset'
data_root = 'data/PST900_RGBT_Dataset/'
crop_size = (720, 1280)
data_prefix = dict(img_path='rgb', ir_path='thermal', seg_map_path='labels')

train_pipeline = [
    dict(type='LoadRGBIRImagePair'),
    dict(type='LoadRGBIRSegAnnotations'),
    dict(
        type='RandomResize',
        scale=(1280, 720),
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
    dict(type='Resize', scale=(1280, 720), keep_ratio=True),
    dict(type='LoadRGBIRSegAnnotations'),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root + 'train/',
        ann_file='',
        data_prefix=data_prefix,
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root + 'test/',
        ann_file='',
        data_prefix=data_prefix,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
