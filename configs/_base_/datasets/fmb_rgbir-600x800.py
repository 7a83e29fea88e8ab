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

parts = __import__('mmunirgbir.configs._base_.unirgbir_vit_b', fromlist=['_'])

# MFNet's pipelines at this resolution
train_pipeline, test_pipeline = parts.seg_pipelines_at(_base_, (800, 600))
train_dataloader, val_dataloader = parts.split_folder_loaders(
    dict(type=dataset_type, data_prefix=data_prefix), data_root,
    train_pipeline, test_pipeline)
test_dataloader = val_dataloader
