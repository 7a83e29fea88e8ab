# The modality-dropout model with a missing RGB image kept black instead of
# replaced by the IR image, in training and at test: the two streams read it
# as the darkest scene of the RGB exposure augmentation. A missing IR image
# is still replaced by the RGB image. projects/real_data_checks/reports/fusion.md's row was measured with
# RGB dropped at 0.15 (--cfg-options
# train_dataloader.dataset.pipeline.3.rgb_prob=0.15).
_base_ = ['./faster-rcnn_unirgbir-dinov2-s16-vit-both-exposure-aug-modality-drop_simplefpn_1xb2-900i_msrs-dev.py']

model = dict(data_preprocessor=dict(route_missing=('ir', )))
