# Copyright (c) mmunirgbir contributors. All rights reserved.
from .saliency_losses import SaliencyIoULoss, SSIMLoss

__all__ = ['SaliencyIoULoss', 'SSIMLoss']
