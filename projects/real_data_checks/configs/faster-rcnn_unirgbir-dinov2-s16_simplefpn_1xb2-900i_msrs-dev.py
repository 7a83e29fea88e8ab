# The fit-check detector (frozen DINOv2 ViT-S resampled to patch 16, stock
# Faster R-CNN, 16-px anchors, 320x240, AdamW 1e-3, 900 iterations, batch 2)
# trained on the 200 real MSRS pairs of ../shared/data/msrs_dev/train.txt and
# tested on its 55 unseen pairs (val.txt), day and night reported apart. The
# paper's design: the frozen ViT sees RGB, IR enters through the adapter.
# projects/real_data_checks/tools/generalisation_check.py trains it with its RGB-only and
# IR-only baselines, over seeds, under the robustness conditions
# (projects/real_data_checks/reports/fusion.md).
_base_ = ['./faster-rcnn_unirgbir-dinov2-s16_simplefpn_1xb2-900i_msrs-mini.py']

data_root = '{{$MMUNIRGBIR_SHARED:../shared}}/data/msrs_dev/'
train_dataloader = dict(
    dataset=dict(data_root=data_root, ann_file='train.txt'))
val_dataloader = dict(dataset=dict(data_root=data_root, ann_file='val.txt'))
test_dataloader = val_dataloader
# MSRS names end in D (day) or N (night)
val_evaluator = dict(
    _delete_=True,
    type='GroupedCocoMetric',
    metric='bbox',
    groups=dict(day='D$', night='N$'))
test_evaluator = val_evaluator
