# PST900 as released: PST900_RGBT_Dataset/{train,test}/{rgb,thermal,labels}.
_base_ = './mfnet_rgbir-480x640.py'

dataset_type = 'PST900Dataset'
data_root = 'data/PST900_RGBT_Dataset/'
crop_size = (720, 1280)
num_classes = 5
class_weight = [1.4537, 44.2457, 31.6650, 46.4071, 30.1391]  # ENet weights
data_prefix = dict(img_path='rgb', ir_path='thermal', seg_map_path='labels')

parts = __import__('mmunirgbir.configs._base_.unirgbir_vit_b', fromlist=['_'])

# MFNet's pipelines at this resolution
train_pipeline, test_pipeline = parts.seg_pipelines_at(_base_, (1280, 720))
train_dataloader, val_dataloader = parts.split_folder_loaders(
    dict(type=dataset_type, data_prefix=data_prefix), data_root,
    train_pipeline, test_pipeline)
test_dataloader = val_dataloader
