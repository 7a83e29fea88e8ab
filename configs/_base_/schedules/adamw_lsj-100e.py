# AdamW, lr 1e-4 for a total batch of 64 (16 GPUs x 4), weight decay 0.1,
# AMP, 100 epochs with steps at 88 / 96 (ViTDet's LSJ schedule, per epoch).
# With another total batch, run tools/train.py with --auto-scale-lr: mmengine
# scales lr by (GPUs x batch_size) / auto_scale_lr.base_batch_size.
# (Layer-wise lr decay has no effect here: the ViT is frozen and every
# trainable parameter lies outside its blocks.)

max_epochs = 100

train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=10)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    type='AmpOptimWrapper',
    optimizer=dict(
        type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.1),
    paramwise_cfg=dict(
        norm_decay_mult=0.,
        custom_keys={
            'level_embed': dict(decay_mult=0.),
            'gamma': dict(decay_mult=0.),
        }))

param_scheduler = [
    dict(
        type='LinearLR', start_factor=0.001, by_epoch=False, begin=0,
        end=250),
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_epochs,
        by_epoch=True,
        milestones=[88, 96],
        gamma=0.1)
]

auto_scale_lr = dict(enable=False, base_batch_size=64)
