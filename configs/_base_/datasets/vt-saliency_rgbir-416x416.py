# RGB-T salient object detection: train on VT5000/Train, test on
# VT5000/Test, VT821 and VT1000 together (SaliencyMetric reports each).
# Every set has RGB/, T/ and GT/ folders matched by file stem.
dataset_type = 'VTSaliencyDataset'
data_root = 'data/'
img_scale = (416, 416)
meta_keys = ('img_path', 'ir_path', 'seg_map_path', 'ori_shape', 'img_shape',
             'pad_shape', 'scale_factor', 'flip', 'flip_direction',
             'reduce_zero_label', 'dataset_name')

train_pipeline = [
    dict(type='LoadRGBIRImagePair'),
    dict(type='LoadSaliencyAnnotations'),
    dict(type='Resize', scale=img_scale, keep_ratio=False),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs', meta_keys=meta_keys),
]
test_pipeline = [
    dict(type='LoadRGBIRImagePair'),
    dict(type='Resize', scale=img_scale, keep_ratio=False),
    dict(type='PackSegInputs', meta_keys=meta_keys),
]
train_dataloader = dict(
    batch_size=4,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root + 'VT5000/Train',
        dataset_name='VT5000',
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='ConcatDataset',
        datasets=[
            dict(
                type=dataset_type,
                data_root=data_root + root,
                dataset_name=name,
                pipeline=test_pipeline)
            for name, root in (('VT5000', 'VT5000/Test'), ('VT821', 'VT821'),
                               ('VT1000', 'VT1000'))
        ]))
test_dataloader = val_dataloader
val_evaluator = dict(type='SaliencyMetric')
test_evaluator = val_evaluator
