# Copyright (c) mmunirgbir contributors. All rights reserved.
"""IoU and SSIM losses for 1-channel saliency heads (with BCE: BASNet's
hybrid loss, as UniRGB-IR uses for salient object detection)."""
from typing import Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.registry import MODELS


def _prob_and_target(pred: torch.Tensor, target: torch.Tensor,
                     ignore_index: int
                     ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Sigmoid map (N, H, W), float target and valid mask."""
    if pred.dim() != 4 or pred.shape[1] != 1:
        raise ValueError('saliency losses expect (N, 1, H, W) logits, got '
                         f'{tuple(pred.shape)}')
    prob = pred[:, 0].float().sigmoid()
    valid = (target != ignore_index).float()
    return prob, target.float() * valid, valid


class _SaliencyLoss(nn.Module):
    """mmseg loss plumbing shared by the saliency losses."""

    def __init__(self, loss_weight: float, loss_name: str) -> None:
        super().__init__()
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    @property
    def loss_name(self) -> str:
        """Name in the log; mmseg sums every loss whose name starts with
        ``loss_``."""
        return self._loss_name


@MODELS.register_module()
class SaliencyIoULoss(_SaliencyLoss):
    """Soft IoU loss ``1 - sum(p t) / sum(p + t - p t)`` per image.

    Args:
        loss_weight (float): Defaults to 1.0.
        loss_name (str): Defaults to 'loss_iou'.
    """

    def __init__(self, loss_weight: float = 1.0,
                 loss_name: str = 'loss_iou') -> None:
        super().__init__(loss_weight, loss_name)

    def forward(self,
                pred: torch.Tensor,
                target: torch.Tensor,
                weight: Optional[torch.Tensor] = None,
                ignore_index: int = 255,
                **kwargs) -> torch.Tensor:
        prob, tgt, valid = _prob_and_target(pred, target, ignore_index)
        prob = prob * valid
        inter = (prob * tgt).flatten(1).sum(1)
        union = (prob + tgt - prob * tgt).flatten(1).sum(1)
        return self.loss_weight * (1 - inter / union.clamp(min=1e-6)).mean()


@MODELS.register_module()
class SSIMLoss(_SaliencyLoss):
    """``1 - SSIM`` of the sigmoid map and the mask, Gaussian window.

    Args:
        window_size (int): Gaussian window side. Defaults to 11.
        sigma (float): Gaussian sigma. Defaults to 1.5.
        loss_weight (float): Defaults to 1.0.
        loss_name (str): Defaults to 'loss_ssim'.
    """

    def __init__(self,
                 window_size: int = 11,
                 sigma: float = 1.5,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_ssim') -> None:
        super().__init__(loss_weight, loss_name)
        coords = torch.arange(window_size, dtype=torch.float32) - \
            (window_size - 1) / 2
        g = torch.exp(-coords**2 / (2 * sigma**2))
        g = g / g.sum()
        self.register_buffer('window', (g[:, None] * g[None, :])[None, None],
                             persistent=False)

    def forward(self,
                pred: torch.Tensor,
                target: torch.Tensor,
                weight: Optional[torch.Tensor] = None,
                ignore_index: int = 255,
                **kwargs) -> torch.Tensor:
        prob, tgt, valid = _prob_and_target(pred, target, ignore_index)
        x, y = (prob * valid)[:, None], tgt[:, None]
        pad = self.window.shape[-1] // 2
        win = self.window.to(x.dtype)

        def blur(t):
            return F.conv2d(t, win, padding=pad)

        mu_x, mu_y = blur(x), blur(y)
        var_x = blur(x * x) - mu_x**2
        var_y = blur(y * y) - mu_y**2
        cov = blur(x * y) - mu_x * mu_y
        c1, c2 = 0.01**2, 0.03**2
        ssim = ((2 * mu_x * mu_y + c1) * (2 * cov + c2)) / (
            (mu_x**2 + mu_y**2 + c1) * (var_x + var_y + c2))
        return self.loss_weight * (1 - ssim.mean())
