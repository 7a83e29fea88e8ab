# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Read ViT checkpoints of many origins and fit them to a timm foundation.

Supported: timm state dicts (``.pth``/``.bin``/``.safetensors``), MAE and
DeiT releases (weights under ``model``), the original DINOv2 / DINOv3 / EVA
layouts (converted by timm's checkpoint filters), detectron2 ViTDet ``.pkl``
files (numpy arrays, keys under ``backbone.net.``) and mmengine checkpoints
(under ``state_dict``, keys possibly under ``backbone.vit.`` when the file is
a whole mmunirgbir detector or segmentor).
"""
import math
import os.path as osp
from typing import Dict, Iterable, List, Optional, Tuple

import numpy as np
import torch
import torch.nn as nn
from mmengine.logging import MMLogger
from mmengine.runner import CheckpointLoader
from timm.layers import resample_abs_pos_embed
from timm.models.eva import Eva
from timm.models.eva import checkpoint_filter_fn as eva_filter
from timm.models.vision_transformer import \
    checkpoint_filter_fn as vit_filter

StateDict = Dict[str, torch.Tensor]

#: key prefixes tried, in order, when matching a checkpoint to the ViT
KNOWN_PREFIXES = ('backbone.vit.', 'backbone.net.', 'backbone.', 'module.',
                  'encoder.', 'vit.', 'model.', '')


class CheckpointError(RuntimeError):
    """A foundation checkpoint could not be read or does not fit the ViT."""


def read_checkpoint(path: str) -> dict:
    """Read a checkpoint through mmengine's ``CheckpointLoader``.

    Local files go through :func:`mmunirgbir.utils.load_from_local`, which
    never runs arbitrary code (``.pth`` with ``weights_only``,
    ``.safetensors``, numpy-only ``.pkl``); URLs use mmengine's loaders.

    Raises:
        CheckpointError: If the file is missing or cannot be read safely.
    """
    if '://' not in path and not osp.isfile(path):
        raise CheckpointError(f'{path}: checkpoint file not found')
    try:
        return CheckpointLoader.load_checkpoint(path, map_location='cpu')
    except Exception as e:  # noqa: BLE001 - re-raised with the file's name
        raise CheckpointError(f'{path}: cannot load checkpoint: {e}') from e


def unwrap_state_dict(ckpt: dict) -> StateDict:
    """Return the tensor dict of a checkpoint, converting numpy arrays."""
    if not isinstance(ckpt, dict):
        raise CheckpointError(f'the file holds a {type(ckpt).__name__}, not '
                              'a checkpoint dict')
    for key in ('state_dict', 'model', 'module', 'model_state'):
        if isinstance(ckpt, dict) and isinstance(ckpt.get(key), dict):
            ckpt = ckpt[key]
            break
    out = {}
    for k, v in ckpt.items():
        if isinstance(v, np.ndarray):
            v = torch.from_numpy(np.ascontiguousarray(v))
        if isinstance(v, torch.Tensor):
            out[k] = v
    return out


def strip_prefix(state_dict: StateDict,
                 target_keys: Iterable[str]) -> Tuple[StateDict, str]:
    """Strip the known prefix that makes most checkpoint keys hit the model.

    Returns:
        tuple: The renamed state dict (keys without that prefix only) and the
        prefix used.
    """
    target = set(target_keys)
    best, best_hits = '', -1
    for prefix in KNOWN_PREFIXES:
        hits = sum(1 for k in state_dict
                   if k.startswith(prefix) and k[len(prefix):] in target)
        if hits > best_hits:
            best, best_hits = prefix, hits
    return {
        k[len(best):]: v
        for k, v in state_dict.items() if k.startswith(best)
    }, best


def _grid_prefix(num_tokens: int,
                 model_grid: Tuple[int, int]) -> Tuple[int, Tuple[int, int]]:
    """Split a pos-embed length into (prefix tokens, grid (h, w)).

    The grid is square (pre-training checkpoints) or, for a non-square
    table such as a trained mmunirgbir model's, the model's own grid.
    """
    for prefix in range(0, 9):
        side = math.isqrt(num_tokens - prefix)
        if side * side == num_tokens - prefix:
            return prefix, (side, side)
        if num_tokens - prefix == model_grid[0] * model_grid[1]:
            return prefix, tuple(model_grid)
    raise CheckpointError(
        f'the position table has {num_tokens} rows: neither a square grid '
        f'nor the model\'s {model_grid[0]}x{model_grid[1]} grid (plus class '
        'tokens); resize it to one of them, e.g. by loading it into a model '
        'with its image size')


def fit_pos_embed(pos: torch.Tensor, vit: nn.Module) -> Tuple[torch.Tensor,
                                                               List[str]]:
    """Fit a checkpoint's position table to ``vit``'s grid and prefix rows.

    Class-token rows the model does not have are dropped; the grid is
    resampled bicubically *without* antialiasing, as ViTDet, DINOv2 and the
    HF ports do (timm's own resizing antialiases, which changes DINOv2's
    features by up to 5 % at 224 px).
    """
    notes = []
    if pos.dim() == 4:  # (1, H, W, C) layouts (e.g. SAM / ViTDet variants)
        pos = pos.flatten(1, 2)
    num_prefix_embed = 0 if vit.no_embed_class else vit.num_prefix_tokens
    grid = tuple(vit.patch_embed.grid_size)
    prefix, old_grid = _grid_prefix(pos.shape[1], grid)
    if prefix and not num_prefix_embed:
        pos = pos[:, prefix:]
        notes.append(f'pos_embed: dropped {prefix} class-token position(s)')
    elif prefix != num_prefix_embed:
        raise CheckpointError(f'pos_embed has {prefix} prefix positions but '
                              f'the model expects {num_prefix_embed}')
    if old_grid != grid:
        pos = resample_abs_pos_embed(
            pos,
            new_size=list(grid),
            old_size=list(old_grid),
            num_prefix_tokens=num_prefix_embed,
            interpolation='bicubic',
            antialias=False)
        notes.append(f'pos_embed: grid {old_grid[0]}x{old_grid[1]} -> '
                     f'{grid[0]}x{grid[1]}')
    return pos, notes


def foundation_state(
        checkpoint: dict,
        vit: nn.Module,
        prefix: Optional[str] = None
) -> Tuple[StateDict, List[str], List[str], List[str]]:
    """The ViT tensors of a checkpoint, fitted to ``vit``.

    The key layout is converted by timm's own checkpoint filter of the
    model's family (e.g. DINOv2 / DINOv3 / EVA releases, patch embeddings of
    another size resampled as FlexiViT does), the position table by
    :func:`fit_pos_embed`.

    Args:
        checkpoint (dict): A read checkpoint (timm, MAE, DeiT, DINOv2/v3,
            EVA, detectron2 ViTDet or mmengine).
        vit (nn.Module): The timm ``VisionTransformer`` or ``Eva``.
        prefix (str, optional): Key prefix of the ViT in the checkpoint (as
            in mmengine's ``Pretrained`` init); detected when None.

    Returns:
        tuple: The state dict (ViT keys only), notes on what was converted,
        missing ViT keys and unused checkpoint keys.

    Raises:
        CheckpointError: If no tensors are found or shapes disagree.
    """
    sd = unwrap_state_dict(checkpoint)
    if not sd:
        raise CheckpointError('no tensors found in the checkpoint')
    model_state = vit.state_dict()
    if prefix is not None:
        prefix = prefix if prefix.endswith('.') or not prefix else prefix + '.'
        sd = {k[len(prefix):]: v for k, v in sd.items() if k.startswith(prefix)}
    else:
        sd, prefix = strip_prefix(sd, model_state.keys())
    notes = [f'stripped key prefix "{prefix}"'] if prefix else []
    pos = sd.pop('pos_embed', None)
    patch = 'patch_embed.proj.weight'
    old_patch = tuple(sd[patch].shape[-2:]) if patch in sd else None
    filter_fn = eva_filter if isinstance(vit, Eva) else vit_filter
    sd = dict(filter_fn(sd, vit))
    if old_patch and patch in sd and old_patch != sd[patch].shape[-2:]:
        notes.append(f'{patch}: patch {old_patch[0]}x{old_patch[1]} -> '
                     f'{sd[patch].shape[-2]}x{sd[patch].shape[-1]}')
    if pos is not None and vit.pos_embed is not None:
        sd['pos_embed'], pos_notes = fit_pos_embed(pos, vit)
        notes += pos_notes
    wrong = [
        k for k, v in sd.items()
        if k in model_state and v.shape != model_state[k].shape
    ]
    if wrong:
        raise CheckpointError('shape mismatch for ' + ', '.join(
            f'{k} {tuple(sd[k].shape)} vs model '
            f'{tuple(model_state[k].shape)}' for k in wrong[:8]))
    missing = [k for k in model_state if k not in sd]
    unused = [k for k in sd if k not in model_state]
    return ({k: v for k, v in sd.items() if k in model_state}, notes,
            missing, unused)


def read_foundation(
        path: str,
        vit: nn.Module,
        prefix: Optional[str] = None
) -> Tuple[StateDict, List[str], List[str], List[str]]:
    """:func:`read_checkpoint` + :func:`foundation_state`, errors naming the
    file."""
    try:
        return foundation_state(read_checkpoint(path), vit, prefix)
    except CheckpointError as e:
        if str(e).startswith(path):
            raise
        raise CheckpointError(f'{path}: {e}') from e


def load_foundation(vit: nn.Module,
                    path: str,
                    prefix: Optional[str] = None,
                    allow_missing: bool = False) -> None:
    """Load the ViT weights of the checkpoint ``path`` and log a summary.

    Args:
        vit (nn.Module): The timm ``VisionTransformer`` or ``Eva``.
        path (str): The checkpoint (any layout of :func:`foundation_state`).
        prefix (str, optional): Key prefix of the ViT; detected when None.
        allow_missing (bool): Warn instead of raising when ViT weights are
            missing (a ViT that is fine-tuned may start partly random).

    Raises:
        CheckpointError: If the file cannot be read, or a ViT weight is
            missing and ``allow_missing`` is False.
    """
    logger = MMLogger.get_current_instance()
    state, notes, missing, unused = read_foundation(path, vit, prefix)
    total = len(vit.state_dict())
    if missing:
        msg = (f'{path}: {len(missing)} of {total} ViT weights missing from '
               f'the checkpoint: {_short(missing)}')
        if not allow_missing:
            raise CheckpointError(
                msg + '. Refusing to train a frozen ViT that did not load '
                '(check the key names / prefix, or convert the file with '
                'tools/model_converters).')
        logger.warning(msg)
    vit.load_state_dict(state, strict=False)
    logger.info(f'UniRGBIRViT: loaded {len(state)}/{total} ViT tensors from '
                f'{path}' + (f' ({"; ".join(notes)})' if notes else ''))
    if unused:
        logger.info(f'UniRGBIRViT: {len(unused)} checkpoint tensors unused: '
                    f'{_short(unused)}')


def _short(keys: List[str], n: int = 8) -> str:
    keys = list(keys)
    return ', '.join(keys[:n]) + (f' ... (+{len(keys) - n})'
                                  if len(keys) > n else '')
