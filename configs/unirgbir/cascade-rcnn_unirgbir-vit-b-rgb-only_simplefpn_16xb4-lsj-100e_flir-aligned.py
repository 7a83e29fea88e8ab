# Baseline: the same model fed only the RGB image (ViT and both MFP stems),
# to measure the fusion gain against cascade-rcnn_unirgbir-vit-b_simplefpn_16xb4-lsj-100e_flir-aligned.py.
_base_ = ['./cascade-rcnn_unirgbir-vit-b_simplefpn_16xb4-lsj-100e_flir-aligned.py']

model = dict(backbone=dict(modality='rgb'))
