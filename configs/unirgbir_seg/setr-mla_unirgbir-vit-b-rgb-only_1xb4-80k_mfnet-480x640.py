# Baseline: the same segmentor fed only the RGB image, to measure the fusion
# gain against setr-mla_unirgbir-vit-b_1xb4-80k_mfnet-480x640.py.
_base_ = ['./setr-mla_unirgbir-vit-b_1xb4-80k_mfnet-480x640.py']

model = dict(backbone=dict(modality='rgb'))
