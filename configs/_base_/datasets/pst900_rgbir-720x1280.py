# PST900 as released: PST900_RGBT_Dataset/{train,test}/{rgb,thermal,labels}.
_base_ = './mfnet_rgbir-480x640.py'

dataset_type = 'PST900Dataset'
data_root = 'data/PST900_RGBT_Dataset/'
crop_size = (720, 1280)
num_classes = 5
class_weight = [1.4537, 44.2457, 31.6650, 46.4071, 30.1391]  # ENet weights
data_prefix = dict(img_path='rgb', ir_path='thermal', seg_map_path='labels')

# MFNet's pipelines at PST900's resolution
train_pipeline = [
    dict(t, scale=(1280, 720)) if t['type'] == 'RandomResize' else
    dict(t, crop_size=crop_size) if t['type'] == 'RandomCrop' else t
    for t in _base_.train_pipeline
]
test_pipeline = [
    dict(t, scale=(1280, 720)) if t['type'] == 'Resize' else t
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
