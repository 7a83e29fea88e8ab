# Copyright (c) mmunirgbir contributors. All rights reserved.
"""mmseg's cross-entropy with class weights that survive ignored pixels."""
from mmengine.registry import MODELS
from mmseg.models.losses import CrossEntropyLoss


@MODELS.register_module()
class WeightedCrossEntropyLoss(CrossEntropyLoss):
    """mmseg's :class:`CrossEntropyLoss`, safe with class weights and
    ignored pixels.

    mmseg 1.2.2 averages a class-weighted loss by looking up the weight of
    every pixel's label, ignored ones included, so any label map with an
    ignored pixel (255: crop padding, unlabelled areas) raises an
    ``IndexError``. This loss computes that average factor itself, as the
    sum of the class weights of the pixels that are not ignored (PyTorch's
    weighted mean), and hands it to mmseg's loss, which then skips its own.
    Without class weights, or with sigmoid / mask losses, it is mmseg's
    loss unchanged. Same arguments as :class:`CrossEntropyLoss`.
    """

    def forward(self,
                cls_score,
                label,
                weight=None,
                avg_factor=None,
                reduction_override=None,
                ignore_index=-100,
                **kwargs):
        reduction = reduction_override or self.reduction
        if (self.class_weight is not None and avg_factor is None
                and reduction == 'mean' and not self.use_sigmoid
                and not self.use_mask):
            class_weight = cls_score.new_tensor(self.class_weight)
            kept = label[label != ignore_index]
            pixel_weight = class_weight[kept]
            if weight is not None:
                pixel_weight = pixel_weight * weight[label != ignore_index]
            avg_factor = pixel_weight.sum()
        return super().forward(cls_score, label, weight, avg_factor,
                               reduction_override, ignore_index, **kwargs)
