# FMB as released: FMB/{train,test}/{Visible,Infrared,Label}/*.png, 800x600,
# 15 classes including 'unlabeled'.
_base_ = './mfnet_rgbir-480x640.py'

dataset_type = 'FMBDataset'
data_root = 'data/FMB/'
crop_size = (600, 800)
num_classes = 15
class_weight = None  # plain cross-entropy
data_prefix = dict(
    img_path='Visible', ir_path='Infrared', seg_map_path='Label')

# MFNet's pipelines at FMB's resolution
train_pipeline = [
    dict(t, scale=(800, 600)) if t['type'] == 'RandomResize' else
    dict(t, crop_size=crop_size) if t['type'] == 'RandomCrop' else t
    for t in _base_.train_pipeline
]
test_pipeline = [
    dict(t, scale=(800, 600)) if t['type'] == 'Resize' else t
    for t in _base_.test_pipeline
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
