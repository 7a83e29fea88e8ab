# The segmentation twin of the detection fit-check: the paper's design (the
# frozen ViT sees RGB, IR enters through the adapter) on the real frozen
# DINOv2 ViT-S/14 of ../shared, patch embedding resampled to 16, stock mmseg
# SETR-MLA with its four auxiliary FCN heads, 320x240 input, trained on the
# 130 real MFNet pairs of ../shared/data/mfnet_dev/train.txt and tested on
# its 40 unseen pairs (val.txt), day and night and each class reported
# apart. Sized for a CPU: batch 2, AdamW, 1000 iterations.
# ../shared is research-only data: it is read in place, never copied.
_base_ = [
    '../../../configs/_base_/models/setr-mla_unirgbir-vit-b.py',
    '../../../configs/_base_/datasets/mfnet_rgbir-480x640.py',
    '../../../configs/_base_/seg_runtime.py'
]
parts = __import__('mmunirgbir.configs._base_.unirgbir_vit_b', fromlist=['_'])

shared = '{{$MMUNIRGBIR_SHARED:../shared}}'
data_root = shared + '/data/mfnet_dev/'
crop_size = (240, 320)  # (h, w)
num_classes = 9
# ENet weights 1 / ln(1.02 + p) of the class pixel shares p of the 130
# training pairs (unlabeled 93.4 %, car 3.0 %, person 1.1 %, bike 0.8 %)
class_weight = [
    1.493, 20.6473, 32.365, 36.3761, 42.8572, 39.9716, 45.2416, 42.149,
    45.9991
]
norm_cfg = dict(type='BN', requires_grad=True)  # one CPU process

model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(
        _delete_=True,
        type='UniRGBIRViT',
        vit_name='vit_small_patch14_dinov2',
        img_size=crop_size,
        patch_size=16,
        sfi_cfg=dict(num_heads=6),
        out_indices=(0, 1, 2, 3),
        init_cfg=dict(
            type='Pretrained',
            checkpoint=shared + '/weights/dinov2_vits14_imgfocus.pth')),
    neck=dict(in_channels=[384] * 4, norm_cfg=norm_cfg),
    decode_head=dict(
        num_classes=num_classes,
        norm_cfg=norm_cfg,
        loss_decode=dict(class_weight=class_weight)),
    auxiliary_head=[
        dict(aux, num_classes=num_classes, norm_cfg=norm_cfg,
             loss_decode=dict(aux.loss_decode, class_weight=class_weight))
        for aux in _base_.model.auxiliary_head
    ])

# MFNet's pipelines at 320x240
train_pipeline, test_pipeline = parts.seg_pipelines_at(_base_, (320, 240))
loader = dict(num_workers=0, persistent_workers=False)
dataset = dict(data_root=data_root)
train_dataloader = dict(
    loader, batch_size=2, dataset=dict(dataset, pipeline=train_pipeline))
val_dataloader = dict(
    loader,
    dataset=dict(dataset, ann_file='val.txt', pipeline=test_pipeline))
test_dataloader = val_dataloader
# MFNet names end in D (day) or N (night)
val_evaluator = dict(
    type='GroupedIoUMetric',
    iou_metrics=['mIoU'],
    groups=dict(day='D$', night='N$'))
test_evaluator = val_evaluator

max_iters = 1000
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05),
    paramwise_cfg=dict(norm_decay_mult=0.))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=50),
    dict(type='PolyLR', power=1.0, eta_min=0., by_epoch=False, begin=50,
         end=max_iters)
]
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    checkpoint=dict(type='CheckpointHook', by_epoch=False,
                    interval=max_iters, max_keep_ckpts=1))
log_processor = dict(by_epoch=False)
env_cfg = dict(dist_cfg=dict(backend='gloo'))
