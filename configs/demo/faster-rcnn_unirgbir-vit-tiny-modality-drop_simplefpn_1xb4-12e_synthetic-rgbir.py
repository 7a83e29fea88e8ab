# The demo detector trained with modality dropout: 15 % of the samples
# lose their RGB image, 15 % their IR image (never both), so one model
# serves RGB+IR, RGB only and IR only (compare both demo models with
# tools/analysis_tools/robustness_test.py).
_base_ = ['./faster-rcnn_unirgbir-vit-tiny_simplefpn_1xb4-12e_synthetic-rgbir.py']

train_dataloader = dict(
    dataset=dict(pipeline=[
        *_base_.train_pipeline[:-1],
        dict(type='RandomModalityDrop', rgb_prob=0.15, ir_prob=0.15),
        dict(
            type='PackDetInputs',
            meta_keys=_base_.train_pipeline[-1].meta_keys +
            ('missing_modality', ))
    ]))
