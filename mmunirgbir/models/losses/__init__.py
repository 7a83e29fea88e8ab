# Copyright (c) mmunirgbir contributors. All rights reserved.
from .saliency_losses import SaliencyIoULoss, SSIMLoss
from .weighted_cross_entropy import WeightedCrossEntropyLoss

__all__ = ['SaliencyIoULoss', 'SSIMLoss', 'WeightedCrossEntropyLoss']
