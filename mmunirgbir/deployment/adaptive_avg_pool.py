# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Adaptive average pooling whose bins follow the input size in a graph."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class IntegralAdaptiveAvgPool2d(nn.Module):
    """``nn.AdaptiveAvgPool2d(k)`` from an integral image.

    torch's exporter lowers ``adaptive_avg_pool2d`` for the example's input
    size: the bins are constants, and at another size the graph reads out
    of range (mmseg's pyramid pooling in UperNet and PSPNet). Here the bin
    edges are tensor arithmetic on the input's size, as torch defines them
    (bin ``i`` of ``k`` over ``n`` cells: ``floor(i n / k)`` to
    ``ceil((i + 1) n / k)``), and each bin's sum is four reads of the
    input's 2-D cumulative sum, so the graph stays right at every size.

    Args:
        output_size (int | tuple[int, int]): Bins per side (integers).
    """

    def __init__(self, output_size) -> None:
        super().__init__()
        if isinstance(output_size, int):
            output_size = (output_size, output_size)
        if len(output_size) != 2 or not all(
                isinstance(k, int) and k > 0 for k in output_size):
            raise ValueError(f'output_size {output_size!r}: two positive '
                             'integers expected')
        self.output_size = tuple(output_size)

    @staticmethod
    def _edges(n, k: int, device) -> tuple:
        i = torch.arange(k, device=device)
        return (i * n) // k, ((i + 1) * n + k - 1) // k

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        (kh, kw) = self.output_size
        top, bottom = self._edges(h, kh, x.device)
        left, right = self._edges(w, kw, x.device)
        # S[..., r, c]: the sum of x[..., :r, :c]
        s = F.pad(x.cumsum(-2).cumsum(-1), (1, 0, 1, 0))
        rows_b, rows_t = s.index_select(-2, bottom), s.index_select(-2, top)
        total = (rows_b.index_select(-1, right) -
                 rows_t.index_select(-1, right) -
                 rows_b.index_select(-1, left) +
                 rows_t.index_select(-1, left))
        area = (bottom - top)[:, None] * (right - left)[None]
        return total / area.to(x.dtype)

    @classmethod
    def replaces(cls, module: nn.Module) -> bool:
        """Whether ``module`` is an adaptive average pool it stands in for."""
        size = getattr(module, 'output_size', None)
        sizes = (size, size) if isinstance(size, int) else tuple(size or ())
        return isinstance(module, nn.AdaptiveAvgPool2d) and len(
            sizes) == 2 and all(isinstance(k, int) for k in sizes)
