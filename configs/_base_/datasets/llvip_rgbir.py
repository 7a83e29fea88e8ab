# LLVIP in its released layout: visible/{train,test}, infrared/{train,test}
# and one VOC XML per pair in Annotations/ (12,025 train / 3,463 test).
_base_ = './rgbir_det_lsj-1024.py'

dataset_type = 'LLVIPDataset'
num_classes = 1  # person
data_root = 'data/LLVIP/'

train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(
            img='visible/train', ir='infrared/train', ann='Annotations')))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(
            img='visible/test', ir='infrared/test', ann='Annotations')))
test_dataloader = val_dataloader
