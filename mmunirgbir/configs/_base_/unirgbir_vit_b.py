# Copyright (c) mmunirgbir contributors. All rights reserved.
"""The UniRGB-IR parts that the model bases under ``configs/_base_/models``
share: a frozen ViT-B/16 (timm) with the MFP/SFI adapter, the RGB / IR
normalisation, the 6-channel data preprocessors and ViTDet's simple feature
pyramid.

A config file reaches this module with ``parts = __import__(
'mmunirgbir.configs._base_.unirgbir_vit_b', fromlist=['_'])`` (a call, not
an import statement, so that mmengine reads the file in the ``_base_``
style): model bases build their ``model`` from these dicts, and leaves use
its functions and settings for their data set's heads and the recommended
fusion mode. mmengine drops modules from a config, so none of these names
becomes a setting of the configs that inherit the base.
"""
#: ImageNet statistics for RGB; ImageNet grey-level statistics for IR
rgbir_mean = [123.675, 116.28, 103.53, 114.495, 114.495, 114.495]
rgbir_std = [58.395, 57.12, 57.375, 57.63, 57.63, 57.63]
#: what the det and seg data preprocessors share
normalisation = dict(mean=rgbir_mean, std=rgbir_std, bgr_to_rgb=True)

backbone = dict(
    type='UniRGBIRViT',
    vit_name='vit_base_patch16_224',
    img_size=224,
    # MAE ImageNet-1k ViT-B/16 with timm key names, as released at
    # dl.fbaipublicfiles.com/mae/pretrain/mae_pretrain_vit_base.pth;
    # detectron2 ViTDet .pkl and timm .safetensors files load too.
    init_cfg=dict(
        type='Pretrained', checkpoint='checkpoints/mae_pretrain_vit_base.pth'))

# detection: ViTDet window attention, the last stage's map, LSJ padding
ln2d_cfg = dict(type='LN2d', requires_grad=True)
det_backbone = dict(
    backbone,
    window_size=14,
    global_attn_indexes=(2, 5, 8, 11),
    out_indices=(3, ))
det_data_preprocessor = dict(
    normalisation,
    type='RGBIRDetDataPreprocessor',
    pad_size_divisor=32,
    # pads with 0 after normalisation, i.e. the mean pixel (about 114)
    batch_augments=[dict(type='BatchFixedSizePad', size=(1024, 1024))])
simple_fpn = dict(
    type='SimpleFeaturePyramid',
    in_channels=768,
    out_channels=256,
    scale_factors=(4.0, 2.0, 1.0, 0.5),
    num_outs=5,
    norm_cfg=ln2d_cfg)
#: what the two-stage bases replace in mmdet's R50-FPN Faster / Cascade R-CNN
two_stage_parts = dict(
    data_preprocessor=dict(_delete_=True, **det_data_preprocessor),
    backbone=dict(_delete_=True, **det_backbone),
    neck=dict(_delete_=True, **simple_fpn),
    rpn_head=dict(num_convs=2))

# segmentation / SOD: all four stage outputs, and mmseg's preprocessing
seg_backbone = dict(backbone, out_indices=(0, 1, 2, 3))
seg_data_preprocessor = dict(
    normalisation, type='RGBIRSegDataPreprocessor', pad_val=0, seg_pad_val=255)
#: what the SETR-MLA bases replace in mmseg's SETR-MLA model
setr_mla_parts = dict(
    data_preprocessor=dict(_delete_=True, **seg_data_preprocessor),
    pretrained=None,
    backbone=dict(_delete_=True, **seg_backbone),
    neck=dict(in_channels=[768, 768, 768, 768],
              norm_cfg=dict(type='SyncBN', requires_grad=True)))


def cascade_num_classes(model: dict, num_classes: int) -> dict:
    """``model``'s cascade RoI head with ``num_classes`` in every stage's box
    head: what a Cascade R-CNN leaf sets for its data set."""
    return dict(roi_head=dict(bbox_head=[
        dict(head, num_classes=num_classes)
        for head in model['roi_head']['bbox_head']
    ]))


def setr_mla_for_dataset(base) -> dict:
    """What a SETR-MLA leaf sets for its data set, from the ``crop_size``,
    ``num_classes`` and ``class_weight`` of its data set base (``base`` is
    the leaf's ``_base_``): the preprocessor's crop size, and the decode
    head and every auxiliary head of ``base.model`` with ``num_classes`` and
    the class weights of their cross-entropy."""

    def head(cfg: dict) -> dict:
        return dict(cfg, num_classes=base['num_classes'],
                    loss_decode=dict(cfg['loss_decode'],
                                     class_weight=base['class_weight']))

    model = base['model']
    return dict(data_preprocessor=dict(size=base['crop_size']),
                decode_head=head(model['decode_head']),
                auxiliary_head=[head(h) for h in model['auxiliary_head']])


def seg_pipelines_at(base, scale: tuple) -> tuple:
    """The train and test pipelines of a segmentation data set base
    (``base``: its ``_base_``, MFNet's) for images of ``scale`` (w, h):
    the random resize and the test resize to ``scale``, the random crop to
    its (h, w)."""
    crop = tuple(scale[::-1])
    train = [
        dict(t, scale=scale) if t['type'] == 'RandomResize' else
        dict(t, crop_size=crop) if t['type'] == 'RandomCrop' else t
        for t in base['train_pipeline']
    ]
    test = [
        dict(t, scale=scale) if t['type'] == 'Resize' else t
        for t in base['test_pipeline']
    ]
    return train, test


def split_folder_data(base, dataset_type: str, data_root: str,
                      scale: tuple) -> tuple:
    """The train and test pipelines and the train and val dataloader
    settings of a data set released as ``train/`` and ``test/`` folders
    under ``data_root`` (PST900, FMB) whose ``dataset_type`` knows the
    folder names inside them: ``base``'s pipelines (MFNet's) at ``scale``
    (:func:`seg_pipelines_at`)."""
    pipelines = seg_pipelines_at(base, scale)
    return (*pipelines, *(
        dict(dataset=dict(type=dataset_type, data_root=data_root + folder,
                          ann_file='', pipeline=pipeline))
        for folder, pipeline in zip(('train/', 'test/'), pipelines)))


#: Modality dropout for cameras that fail (not part of the recommended
#: mode, whose clean accuracy it lowers): RGB is dropped more often than
#: IR, since the IR-only path is the one a night-time rig falls back on.
RECOMMENDED_MODALITY_DROP = dict(rgb_prob=0.2, ir_prob=0.15)

#: The image-gradient alignment at inference (``ModalityAlignment``;
#: nothing in it is trained, so a checkpoint trained without it loads
#: unchanged): pairs whose edges disagree by 3 input px or more, up to 32,
#: are moved back into register.
INFERENCE_ALIGNMENT = dict(
    max_displacement=8, pool=4, min_shift=3, peak_window=1,
    displacement_penalty=0.04)

#: The recommended fusion mode's backbone: the frozen ViT runs the RGB and
#: the IR image as two streams (about 2x the ViT's cost, only the stream
#: fusions' weights added), and the IR image is moved back into register
#: at inference (:data:`INFERENCE_ALIGNMENT`).
RECOMMENDED_DET_MODEL = dict(backbone=dict(
    vit_input='both', mfp_cfg=dict(alignment_cfg=INFERENCE_ALIGNMENT)))


def with_exposure_augmentation(pipeline: list, at: int = 2) -> list:
    """``pipeline`` with ``RandomModalityExposure`` on half of the RGB
    images (darkened or over-exposed) inserted at index ``at`` (default:
    after the two loading transforms): the recommended mode's training
    augmentation, so that the model leans on IR when the RGB camera
    fails."""
    exposure = dict(type='RandomModalityExposure', modality='rgb', prob=0.5)
    return [*pipeline[:at], exposure, *pipeline[at:]]


def with_modality_drop(pipeline: list,
                       rgb_prob: float = 0.15,
                       ir_prob: float = 0.15,
                       at: int = -1) -> list:
    """``pipeline`` with ``RandomModalityDrop`` inserted at index ``at``
    (default: before the pack transform, the last), and ``missing_modality``
    in the pack transform's ``meta_keys``."""
    from mmunirgbir.datasets.transforms import pack_missing_modality
    drop = dict(type='RandomModalityDrop', rgb_prob=rgb_prob, ir_prob=ir_prob)
    return pack_missing_modality([*pipeline[:at], drop, *pipeline[at:]])


def with_misalignment(pipeline: list,
                      max_shift,
                      prob: float = 0.5,
                      at: int = 2) -> list:
    """``pipeline`` with ``RandomModalityMisalign`` inserted at index ``at``
    (default: after the two loading transforms, before the geometric ones):
    with probability ``prob`` the IR image moves by up to ``max_shift``
    (pixels, or a fraction of the size when < 1) and the labels stay with
    the RGB image."""
    misalign = dict(type='RandomModalityMisalign', modality='ir',
                    max_shift=max_shift, prob=prob, label_modality='rgb')
    return [*pipeline[:at], misalign, *pipeline[at:]]
