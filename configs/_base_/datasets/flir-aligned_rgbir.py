# FLIR-aligned (3 classes, 4,129 train / 1,013 test pairs) in the layout of
# UniRGB-IR / RSDet: FLIR_align/{train,test}/ with COCO json files whose
# image entries carry file_name (RGB) and file_name_lwir (thermal).
_base_ = './rgbir_det_lsj-1024.py'

dataset_type = 'FLIRAlignedDataset'
num_classes = 3  # car, person, bicycle
data_root = 'data/FLIR_align/'

train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='train.json',
        data_prefix=dict(img='train/')))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='test.json',
        data_prefix=dict(img='test/')))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'test.json')
test_evaluator = val_evaluator
