# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Align the IR camera to the RGB camera before their features are mixed."""
import math
from typing import Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule


class ModalityAlignment(BaseModule):
    """One learned translation per image between the two cameras.

    Two maps, one per modality, are compared at every displacement in
    ``[-max_displacement, max_displacement]^2`` (pixels after average
    pooling by ``pool``). A softmax over displacements (learned temperature)
    gives the expected displacement ``d`` of the IR content against the RGB
    content, and the IR features are resampled at ``x + gate * d``
    (bilinear, zero outside). What is compared (``match``):

    - ``'features'``: the two stems' feature maps, through learned 1x1
      projections (one per modality, equal at the start), normalised per
      position; the correlation is averaged over the image. Everything is
      learned from the task's loss.
    - ``'image_gradients'``: the two input images' gradient magnitudes
      (Sobel of the standardised grey image, square root, so that a few
      strong edges do not outweigh the many shared ones), as
      ``registration_check.py`` compares them: edges are what visible and
      thermal images share. Zero-mean maps, normalised correlation per
      displacement. Nothing to learn but the temperature and the gate, so
      the estimate is right from the first step.

    ``gate`` starts at ``gate_init``, 0 by default: the untrained module
    leaves the IR features in place (up to the float rounding of the
    resampling grid). ``'image_gradients'`` needs no training to be right,
    so ``gate_init=1`` applies its estimate from the first step, and
    ``learn_gate=False`` keeps it there: on registered training pairs the
    only estimates past ``min_shift`` are the wrong ones (dark, flat
    pairs), and a learned gate would close. The gate is stored divided by
    ``gate_scale``: an optimiser such as AdamW moves a scalar by about its
    learning rate per step, so a plain gate would open too slowly.

    ``peak_contrast=(lo, hi)`` damps unreliable estimates: where the
    correlation peak stands less than ``lo`` above the mean correlation over
    all displacements (flat, dark or textureless pairs), the estimate is
    dropped; above ``hi`` it is kept whole; linear in between.

    ``min_shift`` leaves nearly registered pairs alone: an estimate shorter
    than ``min_shift`` input pixels counts as 0, so the small offsets of an
    "aligned" data set, which the model learns with, are not resampled.

    ``ignore_padding=True`` (``'image_gradients'``) matches the images'
    own pixels only. The data preprocessor pads a batch with 0 in every
    channel, after the mean is taken off, which no real pixel is (the means
    are not whole numbers). The border of that padding is an edge at the
    same place in both images whatever their offset, and it pulls the
    estimate along the padded side towards 0.

    ``peak_window=k`` takes the soft-argmax over the displacements within
    ``k`` (pooled pixels) of the best one only. Over all of them, a flat
    correlation (a dark pair, or one with a second match far away) drags
    the expected displacement off a peak at 0.

    ``displacement_penalty=p`` subtracts ``p * |d|^2 / max_displacement^2``
    from the correlation at displacement ``d`` before the best one is
    picked: a Gaussian prior on the offset, so that on a weak pair a far
    displacement (often a corner of the search) must beat the near ones by
    a margin. ``peak_contrast`` is measured on the correlation itself.

    ``inference_only=True`` (``'image_gradients'``, ``learn_gate=False``)
    applies the step in eval mode only: the model trains as if it were not
    there, nothing in it learns (the temperature is held too), and the
    trained model is tested, exported and served with its IR image moved
    back into register. The step then has nothing in the checkpoint: a
    checkpoint trained without it loads into such a model, and back, with
    no missing or unexpected keys.

    The reach is ``max_displacement * pool`` pixels of the compared maps:
    with ``'features'`` on the feature pool's stems (1/4 of the input), the
    defaults (4, 2) reach 32 input pixels; with ``'image_gradients'``
    (input pixels), (8, 4) reach 32.

    Args:
        channels (int): Channels of both feature maps (``'features'``).
            Defaults to 64.
        proj_channels (int): Channels of the matching projections
            (``'features'``). Defaults to 32.
        max_displacement (int): Search radius, pooled pixels. Defaults to 4.
        pool (int): Average-pooling factor before matching. Defaults to 2.
        gate_scale (float): The gate is ``gate_scale`` times its parameter.
            Defaults to 10.
        match (str): ``'features'`` or ``'image_gradients'``. Defaults to
            ``'features'``.
        peak_contrast (tuple[float, float], optional): ``(lo, hi)``, peak
            minus mean correlation below which the estimate is dropped and
            above which it is kept whole. Defaults to None (always kept).
        min_shift (float): Estimates shorter than this (input pixels) are
            set to 0. Defaults to 0.
        gate_init (float): The gate's initial value. Defaults to 0 (the
            untrained module is an identity).
        learn_gate (bool): Whether the gate trains. Defaults to True.
        inference_only (bool): Apply the step in eval mode only, with
            nothing in it learned. Needs ``match='image_gradients'``,
            ``learn_gate=False`` and a non-zero ``gate_init``. Defaults to
            False.
        ignore_padding (bool): Match the images' own pixels only, not the
            batch padding (``'image_gradients'``). Defaults to False.
        peak_window (int, optional): Soft-argmax over the displacements
            within this many (pooled pixels) of the best one. Defaults to
            None (over all).
        displacement_penalty (float): Subtracted from the correlation
            times the squared displacement over the squared search radius.
            Defaults to 0.
        init_cfg (dict, optional): Initialisation config. Defaults to None.
    """
    MATCHES = ('features', 'image_gradients')

    def __init__(self,
                 channels: int = 64,
                 proj_channels: int = 32,
                 max_displacement: int = 4,
                 pool: int = 2,
                 gate_scale: float = 10.,
                 match: str = 'features',
                 peak_contrast: Optional[Tuple[float, float]] = None,
                 min_shift: float = 0.,
                 gate_init: float = 0.,
                 learn_gate: bool = True,
                 inference_only: bool = False,
                 ignore_padding: bool = False,
                 peak_window: Optional[int] = None,
                 displacement_penalty: float = 0.,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if max_displacement < 1 or pool < 1:
            raise ValueError('max_displacement and pool must be >= 1, got '
                             f'{max_displacement} and {pool}')
        if match not in self.MATCHES:
            raise ValueError(f'match must be one of {self.MATCHES}, got '
                             f'{match!r}')
        self.match = match
        if inference_only and (match != 'image_gradients' or learn_gate
                               or gate_init == 0):
            raise ValueError(
                "inference_only needs match='image_gradients', "
                'learn_gate=False and a non-zero gate_init (nothing may '
                'learn, and the step must move something), got '
                f'match={match!r}, learn_gate={learn_gate}, '
                f'gate_init={gate_init}')
        self.inference_only = inference_only
        if ignore_padding and match != 'image_gradients':
            raise ValueError("ignore_padding needs match='image_gradients' "
                             f'(it masks the input images), got {match!r}')
        self.ignore_padding = ignore_padding
        if peak_window is not None and peak_window < 0:
            raise ValueError(f'peak_window must be >= 0, got {peak_window}')
        self.peak_window = peak_window
        if displacement_penalty < 0:
            raise ValueError('displacement_penalty must be >= 0, got '
                             f'{displacement_penalty}')
        self.displacement_penalty = float(displacement_penalty)
        if peak_contrast is not None:
            lo, hi = (float(v) for v in peak_contrast)
            if not 0 <= lo < hi:
                raise ValueError('peak_contrast must be (lo, hi) with '
                                 f'0 <= lo < hi, got {peak_contrast}')
            peak_contrast = (lo, hi)
        self.peak_contrast = peak_contrast
        if min_shift < 0:
            raise ValueError(f'min_shift must be >= 0, got {min_shift}')
        self.min_shift = float(min_shift)
        if match == 'features':
            self.rgb_proj = nn.Conv2d(channels, proj_channels, 1)
            self.ir_proj = nn.Conv2d(channels, proj_channels, 1)
            # the same projection for both at the start: matching begins as
            # the correlation of the two stems' features themselves
            self.ir_proj.load_state_dict(self.rgb_proj.state_dict())
        else:
            sobel = torch.tensor([[-1., 0., 1.], [-2., 0., 2.],
                                  [-1., 0., 1.]])
            self.register_buffer(
                'sobel', torch.stack([sobel, sobel.t()])[:, None],
                persistent=False)
        self.max_displacement = max_displacement
        self.pool = pool
        # correlations differ by hundredths between displacements: a sharp
        # softmax from the start
        log_temperature = torch.tensor(math.log(50.))
        if inference_only:  # set by the config: not in the checkpoint
            self.register_buffer('log_temperature', log_temperature,
                                 persistent=False)
        else:
            self.log_temperature = nn.Parameter(log_temperature)
        gate = torch.tensor(gate_init / gate_scale)
        if learn_gate:
            self.gate = nn.Parameter(gate)
        else:  # held where it starts: a buffer, saved under the same key
            # (inference_only: set by the config, not saved)
            self.register_buffer('gate', gate, persistent=not inference_only)
        self.gate_scale = gate_scale
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
        """Whether the step applies now: always, or in eval mode only
        with ``inference_only``."""
        return not (self.inference_only and self.training)

    def _edges(self, img: torch.Tensor) -> torch.Tensor:
        """Square root of the gradient magnitude of the standardised grey
        image, pooled and zero-mean, (B, 1, h, w); with ``ignore_padding``,
        standardised and zero-mean over the image's own pixels and 0 on
        the batch padding and its border."""
        grey = img.float().mean(1, keepdim=True)
        if not self.ignore_padding:
            grey = (grey - grey.mean((2, 3), keepdim=True)) / (
                grey.std((2, 3), keepdim=True) + 1e-6)
            valid = None
        else:
            # the data preprocessor pads the normalised batch with 0 in
            # every channel, which no real pixel is
            valid = (img.abs().amax(1, keepdim=True) > 0).float()
            grey = _standardise(grey, valid) * valid
        grad = F.conv2d(F.pad(grey, (1, 1, 1, 1), mode='replicate'),
                        self.sobel)
        edges = (grad.square().sum(1, keepdim=True) + 1e-6).sqrt().sqrt()
        if valid is None:
            edges = F.avg_pool2d(edges, self.pool)
            return edges - edges.mean((2, 3), keepdim=True)
        # the 3x3 gradient reads one pixel around: erode by 1, and keep the
        # pooled cells that lie wholly inside the image
        valid = -F.max_pool2d(-valid, 3, stride=1, padding=1)
        edges = F.avg_pool2d(edges * valid, self.pool)
        valid = (F.avg_pool2d(valid, self.pool) > 1 - 1e-3).float()
        return _standardise(edges, valid, scale=False) * valid

    def estimate(self, rgb: torch.Tensor, ir: torch.Tensor) -> torch.Tensor:
        """The IR content's displacement against RGB, (B, 2) as (dx, dy) in
        pixels of the inputs (stem features, or images for
        ``'image_gradients'``)."""
        if self.match == 'features':
            a = F.normalize(F.avg_pool2d(self.rgb_proj(rgb), self.pool),
                            dim=1)
            b = F.normalize(F.avg_pool2d(self.ir_proj(ir), self.pool), dim=1)
        else:
            a, b = self._edges(rgb), self._edges(ir)
        r = self.max_displacement
        h, w = a.shape[-2:]
        b = F.pad(b, (r, r, r, r))
        costs = []
        for dx, dy in self.offsets:
            shifted = b[..., r + dy:r + dy + h, r + dx:r + dx + w]
            if self.match == 'features':
                costs.append((a * shifted).sum(1).mean((1, 2)))
            else:
                costs.append((a * shifted).sum((1, 2, 3)) / (
                    a.square().sum((1, 2, 3)).sqrt() *
                    shifted.square().sum((1, 2, 3)).sqrt() + 1e-6))
        cost = torch.stack(costs, -1)  # (B, D)
        score = cost
        if self.displacement_penalty:
            score = cost - self.displacement_penalty * \
                self.displacements.square().sum(-1) / self.max_displacement**2
        logits = score * self.log_temperature.exp()
        if self.peak_window is not None:
            # the soft-argmax around the best displacement only: far
            # displacements of nearly equal correlation (flat pairs) do not
            # drag the estimate off a peak at 0
            best = self.displacements[score.argmax(-1)]  # (B, 2)
            far = (self.displacements - best[:, None]).abs().amax(-1) > \
                self.peak_window
            logits = logits.masked_fill(far, float('-inf'))
        prob = logits.softmax(-1)
        shift = prob @ self.displacements * self.pool
        if self.peak_contrast is not None:
            lo, hi = self.peak_contrast
            contrast = cost.amax(-1) - cost.mean(-1)
            shift = shift * ((contrast - lo) / (hi - lo)).clamp(0, 1)[:, None]
        if self.min_shift > 0:
            shift = shift * (shift.norm(dim=-1, keepdim=True) >=
                             self.min_shift).to(shift.dtype)
        return shift

    def displacement(self, rgb: torch.Tensor,
                     ir: torch.Tensor) -> torch.Tensor:
        """The gated displacement, (B, 2) as (dx, dy) in pixels of the
        inputs: the estimate times the gate (0 untrained)."""
        return self.gate * self.gate_scale * self.estimate(rgb, ir)

    def forward(self, rgb: torch.Tensor, ir: torch.Tensor) -> torch.Tensor:
        """The IR input moved onto the RGB input's grid."""
        return sample_displaced(ir, self.displacement(rgb, ir))


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
