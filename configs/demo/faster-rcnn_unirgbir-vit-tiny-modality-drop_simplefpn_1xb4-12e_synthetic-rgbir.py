# The demo detector trained with modality dropout: 15 % of the samples
# lose their RGB image, 15 % their IR image (never both), so one model
# serves RGB+IR, RGB only and IR only (compare both demo models with
# tools/analysis_tools/robustness_test.py).
_base_ = ['./faster-rcnn_unirgbir-vit-tiny_simplefpn_1xb4-12e_synthetic-rgbir.py']

parts = __import__('mmunirgbir.configs._base_.unirgbir_vit_b', fromlist=['_'])

train_dataloader = dict(
    dataset=dict(pipeline=parts.with_modality_drop(_base_.train_pipeline)))
