# The demo detector trained on misregistered pairs: every training IR image
# is moved by up to 20 px (12 % of the 160-px scenes) against the RGB image,
# which keeps the labels, so that the injectors learn where the IR object
# really is (compare with the plain demo model under ir_shift_<k> in
# tools/analysis_tools/robustness_test.py, docs/robustness.md).
_base_ = ['./faster-rcnn_unirgbir-vit-tiny_simplefpn_1xb4-12e_synthetic-rgbir.py']

train_dataloader = dict(
    dataset=dict(pipeline=[
        *_base_.train_pipeline[:2],
        dict(type='RandomModalityMisalign', modality='ir', max_shift=20,
             label_modality='rgb'),
        *_base_.train_pipeline[2:],
    ]))
