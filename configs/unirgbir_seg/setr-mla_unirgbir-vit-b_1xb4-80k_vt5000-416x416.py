# UniRGB-IR salient object detection: train on VT5000, evaluate VT5000-test,
# VT821 and VT1000 in one run (S-measure, max/mean/adaptive F and E, MAE).
_base_ = [
    '../_base_/models/setr-mla_unirgbir-vit-b_saliency.py',
    '../_base_/datasets/vt-saliency_rgbir-416x416.py',
    '../_base_/seg_runtime.py', 'mmseg::_base_/schedules/schedule_80k.py'
]
model = dict(data_preprocessor=dict(size=_base_.img_scale))
