# PST900 as released: PST900_RGBT_Dataset/{train,test}/{rgb,thermal,labels}
# (the folders PST900Dataset reads), 1280x720, 5 classes.
_base_ = './mfnet_rgbir-480x640.py'
parts = __import__('mmunirgbir.configs._base_.unirgbir_vit_b', fromlist=['_'])

dataset_type = 'PST900Dataset'
data_root = 'data/PST900_RGBT_Dataset/'
crop_size = (720, 1280)
num_classes = 5
class_weight = [1.4537, 44.2457, 31.6650, 46.4071, 30.1391]  # ENet weights
# MFNet's pipelines at this size, on the train/ and test/ folders
train_pipeline, test_pipeline, train_dataloader, val_dataloader = (
    parts.split_folder_data(_base_, dataset_type, data_root, (1280, 720)))
test_dataloader = val_dataloader
