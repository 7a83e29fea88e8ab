# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Move the IR camera's image back into register with the RGB camera's."""
import math
from typing import Optional

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule


class ModalityAlignment(BaseModule):
    """One translation per image pair between the two cameras, at inference.

    The two input images' edges are compared at every displacement in
    ``[-max_displacement, max_displacement]^2`` (pixels after average
    pooling by ``pool``): the square root of the gradient magnitude (Sobel)
    of each standardised grey image, so that a few strong edges do not
    outweigh the many shared ones, zero-mean, and a normalised correlation
    per displacement. Edges are what visible and thermal images share; their
    intensities are not. ``penalty * |d|^2 / max_displacement^2`` is taken
    off the correlation at displacement ``d`` (a prior on the offset: on a
    weak pair a far displacement must beat the near ones by a margin), and
    a sharp softmax over the displacements within ``peak_window`` of the
    best one gives the expected displacement of the IR content against the
    RGB content. An estimate shorter than ``min_shift`` input pixels counts
    as 0: nearly registered pairs are left alone.

    Only the images' own pixels are matched: the data preprocessors pad a
    batch with 0 in every channel after normalisation, which no real pixel
    is, and the padding's border, an edge at the same place in both images
    whatever their offset, would pull the estimate along the padded side
    towards 0.

    The step learns nothing and applies in eval mode only (test, export,
    serving): in training (:attr:`active` False) the model sees the pairs
    as they come. It has nothing in the checkpoint, so a model trained
    without it takes it unchanged. Its reach is ``max_displacement * pool``
    input pixels.

    Args:
        max_displacement (int): Search radius, pooled pixels. Defaults to 8.
        pool (int): Average-pooling factor before matching. Defaults to 4.
        min_shift (float): Estimates shorter than this (input pixels) are
            set to 0. Defaults to 3.
        peak_window (int, optional): Soft-argmax over the displacements
            within this many (pooled pixels) of the best one; None: over
            all. Defaults to 1.
        displacement_penalty (float): Taken off the correlation times the
            squared displacement over the squared search radius. Defaults
            to 0.04.
        init_cfg (dict, optional): Initialisation config. Defaults to None.
    """

    def __init__(self,
                 max_displacement: int = 8,
                 pool: int = 4,
                 min_shift: float = 3.,
                 peak_window: Optional[int] = 1,
                 displacement_penalty: float = 0.04,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if max_displacement < 1 or pool < 1:
            raise ValueError('max_displacement and pool must be >= 1, got '
                             f'{max_displacement} and {pool}')
        if min_shift < 0:
            raise ValueError(f'min_shift must be >= 0, got {min_shift}')
        if peak_window is not None and peak_window < 0:
            raise ValueError(f'peak_window must be >= 0, got {peak_window}')
        if displacement_penalty < 0:
            raise ValueError('displacement_penalty must be >= 0, got '
                             f'{displacement_penalty}')
        self.max_displacement = max_displacement
        self.pool = pool
        self.min_shift = float(min_shift)
        self.peak_window = peak_window
        self.displacement_penalty = float(displacement_penalty)
        # nothing here is a setting of the checkpoint: non-persistent
        sobel = torch.tensor([[-1., 0., 1.], [-2., 0., 2.], [-1., 0., 1.]])
        self.register_buffer(
            'sobel', torch.stack([sobel, sobel.t()])[:, None],
            persistent=False)
        # correlations differ by hundredths between displacements: a sharp
        # softmax
        self.register_buffer(
            'log_temperature', torch.tensor(math.log(50.)), persistent=False)
        # (dx, dy) as Python integers for the slicing (no tensor-to-number
        # conversion: the module exports to ONNX), and as a buffer for the
        # soft-argmax
        r = range(-max_displacement, max_displacement + 1)
        self.offsets = [(dx, dy) for dy in r for dx in r]
        self.register_buffer(
            'displacements', torch.tensor(self.offsets, dtype=torch.float32),
            persistent=False)

    @property
    def active(self) -> bool:
        """Whether the step applies now: in eval mode only."""
        return not self.training

    def _edges(self, img: torch.Tensor) -> torch.Tensor:
        """Square root of the gradient magnitude of the standardised grey
        image, pooled, (B, 1, h, w): standardised and zero-mean over the
        image's own pixels, 0 on the batch padding and its border."""
        grey = img.float().mean(1, keepdim=True)
        # the data preprocessor pads the normalised batch with 0 in every
        # channel, which no real pixel is
        valid = (img.abs().amax(1, keepdim=True) > 0).float()
        grey = _standardise(grey, valid) * valid
        grad = F.conv2d(F.pad(grey, (1, 1, 1, 1), mode='replicate'),
                        self.sobel)
        edges = (grad.square().sum(1, keepdim=True) + 1e-6).sqrt().sqrt()
        # the 3x3 gradient reads one pixel around: erode by 1, and keep the
        # pooled cells that lie wholly inside the image
        valid = -F.max_pool2d(-valid, 3, stride=1, padding=1)
        edges = F.avg_pool2d(edges * valid, self.pool)
        valid = (F.avg_pool2d(valid, self.pool) > 1 - 1e-3).float()
        return _standardise(edges, valid, scale=False) * valid

    def forward(self, rgb: torch.Tensor, ir: torch.Tensor) -> torch.Tensor:
        """The IR content's displacement against the RGB content.

        Args:
            rgb (Tensor): Normalised RGB images, (B, C, H, W).
            ir (Tensor): Normalised IR images, (B, C, H, W).

        Returns:
            Tensor: (B, 2) as (dx, dy) in input pixels.
        """
        return self.match(rgb, ir)[0]

    def match(self, rgb: torch.Tensor, ir: torch.Tensor):
        """The displacement and how well the edges match there.

        Args:
            rgb (Tensor): RGB images, (B, C, H, W), any intensity scale; a
                pixel that is 0 in every channel counts as padding.
            ir (Tensor): IR images, (B, C, H, W).

        Returns:
            tuple[Tensor, Tensor]: The (B, 2) displacement (dx, dy) in input
            pixels, and the (B, ) normalised correlation of the edge maps at
            the best displacement (before the penalty): near 0 for unrelated
            or flat images.
        """
        a, b = self._edges(rgb), self._edges(ir)
        r = self.max_displacement
        h, w = a.shape[-2:]
        b = F.pad(b, (r, r, r, r))
        costs = []
        for dx, dy in self.offsets:
            shifted = b[..., r + dy:r + dy + h, r + dx:r + dx + w]
            costs.append((a * shifted).sum((1, 2, 3)) / (
                a.square().sum((1, 2, 3)).sqrt() *
                shifted.square().sum((1, 2, 3)).sqrt() + 1e-6))
        correlation = torch.stack(costs, -1)  # (B, D)
        score = correlation
        if self.displacement_penalty:
            score = score - self.displacement_penalty * \
                self.displacements.square().sum(-1) / self.max_displacement**2
        logits = score * self.log_temperature.exp()
        best_index = score.argmax(-1)
        if self.peak_window is not None:
            # the soft-argmax around the best displacement only: far
            # displacements of nearly equal correlation (flat pairs) do not
            # drag the estimate off a peak at 0
            best = self.displacements[best_index]  # (B, 2)
            far = (self.displacements - best[:, None]).abs().amax(-1) > \
                self.peak_window
            logits = logits.masked_fill(far, float('-inf'))
        shift = logits.softmax(-1) @ self.displacements * self.pool
        if self.min_shift > 0:
            shift = shift * (shift.norm(dim=-1, keepdim=True) >=
                             self.min_shift).to(shift.dtype)
        peak = correlation.gather(-1, best_index[:, None])[:, 0]
        return shift, peak


def _standardise(x: torch.Tensor,
                 valid: torch.Tensor,
                 scale: bool = True) -> torch.Tensor:
    """``x`` less its mean over the ``valid`` (1) pixels of each map, and
    divided by their standard deviation if ``scale``."""
    n = valid.sum((2, 3), keepdim=True).clamp_min(1)
    x = x - (x * valid).sum((2, 3), keepdim=True) / n
    if scale:
        x = x / ((x.square() * valid).sum((2, 3), keepdim=True) /
                 n).sqrt().add(1e-6)
    return x


def sample_displaced(x: torch.Tensor, shift: torch.Tensor) -> torch.Tensor:
    """``x`` resampled at ``p + shift`` for every pixel ``p`` (bilinear, zero
    outside): content displaced by ``shift`` comes back to its place.

    Args:
        x (Tensor): Maps, (B, C, H, W).
        shift (Tensor): Per image (dx, dy) in pixels of ``x``, (B, 2).
    """
    bs, _, h, w = x.shape
    ys = (torch.arange(h, device=x.device, dtype=x.dtype) + 0.5) / h
    xs = (torch.arange(w, device=x.device, dtype=x.dtype) + 0.5) / w
    gy, gx = torch.meshgrid(ys * 2 - 1, xs * 2 - 1, indexing='ij')
    grid = torch.stack([gx, gy], -1)[None] + (
        shift.to(x.dtype) * x.new_tensor([2. / w, 2. / h]))[:, None, None]
    return F.grid_sample(
        x, grid, mode='bilinear', padding_mode='zeros', align_corners=False)
