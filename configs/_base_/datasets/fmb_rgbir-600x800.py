# FMB as released: FMB/{train,test}/{Visible,Infrared,Label}/*.png (the
# folders FMBDataset reads), 800x600, 15 classes including 'unlabeled'.
_base_ = './mfnet_rgbir-480x640.py'
parts = __import__('mmunirgbir.configs._base_.unirgbir_vit_b', fromlist=['_'])

dataset_type = 'FMBDataset'
data_root = 'data/FMB/'
crop_size = (600, 800)
num_classes = 15
class_weight = None  # plain cross-entropy
# MFNet's pipelines at this size, on the train/ and test/ folders
train_pipeline, test_pipeline, train_dataloader, val_dataloader = (
    parts.split_folder_data(_base_, dataset_type, data_root, (800, 600)))
test_dataloader = val_dataloader
