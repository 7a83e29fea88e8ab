# UniRGB-IR segmentor: stock mmseg EncoderDecoder with the SETR-MLA neck and
# head and four auxiliary FCN heads (weight 0.4) on the four stage outputs of
# the UniRGB-IR ViT-B/16 backbone. Dataset configs set num_classes and the
# class weights of the cross-entropy (WeightedCrossEntropyLoss: mmseg's
# cross-entropy, whose class-weighted mean crashes on ignored pixels in
# mmseg 1.2.2).
_base_ = 'mmseg::_base_/models/setr_mla.py'
# the shared UniRGB-IR parts: a module, which mmengine keeps out of the
# config (a call, not an import statement: docs/configs.md)
parts = __import__('mmunirgbir.configs._base_.unirgbir_vit_b', fromlist=['_'])

norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    **parts.setr_mla_parts,
    decode_head=dict(
        norm_cfg=norm_cfg,
        loss_decode=dict(type='WeightedCrossEntropyLoss')),
    auxiliary_head=[
        dict(head, loss_decode=dict(head.loss_decode,
                                    type='WeightedCrossEntropyLoss'))
        for head in _base_.model.auxiliary_head
    ],
    test_cfg=dict(mode='whole'))
