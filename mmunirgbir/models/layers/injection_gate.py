# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Gate that blends a stage's injected features with the previous stage's."""
import torch
import torch.nn as nn
from mmengine.model import BaseModule


class InjectionGate(BaseModule):
    """``P_i = z * A_i + (1 - z) * P_{i-1}``, one gate per image and channel.

    ``z = sigmoid(W [mean_tokens(A_i); mean_tokens(P_{i-1})] + b)`` has shape
    (B, C) and is shared by all tokens of an image.

    Args:
        embed_dims (int): Token channels. Defaults to 768.
        init_cfg (dict, optional): Initialisation config. Defaults to None
            (PyTorch's default ``nn.Linear`` init).
    """

    def __init__(self, embed_dims: int = 768, init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.fc = nn.Linear(2 * embed_dims, embed_dims)

    def forward(self, current: torch.Tensor,
                previous: torch.Tensor) -> torch.Tensor:
        """Blend (B, N, C) ``current`` with (B, N, C) ``previous``."""
        z = torch.sigmoid(
            self.fc(torch.cat([current.mean(1), previous.mean(1)], dim=-1)))
        # previous + z * (current - previous), in one pass (under autocast z
        # can come out of the linear layer in half precision)
        return torch.lerp(previous, current,
                          z.unsqueeze(1).to(previous.dtype))
