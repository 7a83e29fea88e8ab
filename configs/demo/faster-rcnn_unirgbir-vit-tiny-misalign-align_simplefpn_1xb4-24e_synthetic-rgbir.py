# The misalign-trained demo detector with the alignment step: before the
# feature pool mixes the two stems, a ModalityAlignment estimates one
# translation per image between them (learned correlation, reach 32 px) and
# moves the IR features onto the RGB features (its gate starts at 0).
# Clean 0.805, IR shifted 8 px 0.787, 16 px 0.681 (projects/real_data_checks/reports/robustness.md).
_base_ = ['./faster-rcnn_unirgbir-vit-tiny-misalign_simplefpn_1xb4-24e_synthetic-rgbir.py']

model = dict(backbone=dict(mfp_cfg=dict(alignment_cfg=dict())))
