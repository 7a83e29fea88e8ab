# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Class-weighted cross-entropy with ignored pixels (MFNet, PST900)."""
import torch
import torch.nn.functional as F
from mmseg.models.losses import CrossEntropyLoss

import mmunirgbir  # noqa: F401
from mmunirgbir.models.losses import WeightedCrossEntropyLoss

WEIGHTS = [1.5, 16.7, 29.4]


def _batch(ignore: bool):
    torch.manual_seed(0)
    logits = torch.randn(2, 3, 6, 8)
    label = torch.randint(0, 3, (2, 6, 8))
    if ignore:
        label[:, :2] = 255  # e.g. crop padding
    return logits, label


def test_ignored_pixels_give_the_weighted_mean_over_the_rest():
    logits, label = _batch(ignore=True)
    ours = WeightedCrossEntropyLoss(class_weight=WEIGHTS)(
        logits, label, ignore_index=255)
    expected = F.cross_entropy(logits, label, weight=torch.tensor(WEIGHTS),
                               ignore_index=255)  # PyTorch's weighted mean
    torch.testing.assert_close(ours, expected)


def test_without_ignored_pixels_or_weights_it_is_mmsegs_loss():
    logits, label = _batch(ignore=False)
    for kwargs in (dict(class_weight=WEIGHTS), dict()):
        torch.testing.assert_close(
            WeightedCrossEntropyLoss(**kwargs)(logits, label,
                                               ignore_index=255),
            CrossEntropyLoss(**kwargs)(logits, label, ignore_index=255))
