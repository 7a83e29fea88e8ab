# The misalign-trained demo detector with an alignment step: before the
# feature pool mixes the two stems, a ModalityAlignment estimates one
# translation per image between them (learned correlation, reach 32 px) and
# moves the IR features onto the RGB features (its gate starts at 0).
_base_ = ['./faster-rcnn_unirgbir-vit-tiny-misalign_simplefpn_1xb4-12e_synthetic-rgbir.py']

model = dict(backbone=dict(mfp_cfg=dict(alignment_cfg=dict())))
