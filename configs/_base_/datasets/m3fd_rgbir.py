# M3FD (6 classes, 1024x768) in its released layout: Vis/, Ir/ and VOC XML in
# Annotation/. M3FD has no official split: list the stems of each split in
# train.txt / val.txt (e.g. the DAMSDet split, 3,368 / 831 pairs).
_base_ = './rgbir_det_lsj-1024.py'

dataset_type = 'M3FDDataset'
num_classes = 6
data_root = 'data/M3FD/'
data_prefix = dict(img='Vis', ir='Ir', ann='Annotation')

train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='train.txt',
        data_prefix=data_prefix))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='val.txt',
        data_prefix=data_prefix))
test_dataloader = val_dataloader
