# KAIST multispectral pedestrians in the released layout:
# images/setXX/V00Y/{visible,lwir}/INNNNN.jpg, annotations/setXX/V00Y/*.txt
# (bbGt), imageSets/*.txt. Evaluation: log-average miss rate (Reasonable and
# All, day / night) plus COCO mAP.
_base_ = './rgbir_det_lsj-1024.py'

dataset_type = 'KAISTDataset'
num_classes = 1  # person (other labels are ignore regions)
data_root = 'data/kaist/'

test_pipeline = [
    dict(type='LoadRGBIRImagePair'),
    dict(type='Resize', scale=(1024, 1024), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ir_path', 'ori_shape', 'img_shape',
                   'scale_factor', 'instances', 'kaist_objects',
                   'illumination')),
]
train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='imageSets/train-all-02.txt',
        data_prefix=dict(img='images', ann='annotations')))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='imageSets/test-all-20.txt',
        data_prefix=dict(img='images', ann='annotations'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = [
    dict(type='KAISTMissRateMetric'),
    dict(type='CocoMetric', metric='bbox')
]
test_evaluator = val_evaluator
