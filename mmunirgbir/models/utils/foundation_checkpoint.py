# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Read ViT checkpoints of many origins and fit them to a timm ViT.

Supported: timm state dicts (``.pth``/``.bin``/``.safetensors``), MAE and
DeiT releases (weights under ``model``), detectron2 ViTDet ``.pkl`` files
(numpy arrays, keys under ``backbone.net.``) and mmengine checkpoints (under
``state_dict``, keys possibly under ``backbone.vit.`` when the file is a whole
mmunirgbir detector or segmentor).
"""
import math
import os.path as osp
import pickle
from typing import Dict, Iterable, List, Optional, Tuple

import numpy as np
import torch
from timm.layers import resample_abs_pos_embed, resample_patch_embed

StateDict = Dict[str, torch.Tensor]

#: key prefixes tried, in order, when matching a checkpoint to the ViT
KNOWN_PREFIXES = ('backbone.vit.', 'backbone.net.', 'backbone.', 'module.',
                  'encoder.', 'vit.', 'model.', '')


class CheckpointError(RuntimeError):
    """A foundation checkpoint could not be read or does not fit the ViT."""


class _NumpyUnpickler(pickle.Unpickler):
    """Unpickler for detectron2 ``.pkl`` files: numpy arrays and dicts only."""
    _ALLOWED = {
        ('numpy.core.multiarray', '_reconstruct'),
        ('numpy._core.multiarray', '_reconstruct'),
        ('numpy.core.multiarray', 'scalar'),
        ('numpy._core.multiarray', 'scalar'),
        ('numpy', 'ndarray'),
        ('numpy', 'dtype'),
        ('collections', 'OrderedDict'),
    }

    def __init__(self, file, path: str) -> None:
        super().__init__(file, encoding='latin1')
        self.path = path

    def find_class(self, module: str, name: str):
        if (module, name) in self._ALLOWED or (
                module.startswith('numpy') and name.endswith('DType')):
            return super().find_class(module, name)
        raise CheckpointError(
            f'{self.path}: refusing to unpickle {module}.{name}; a weights '
            'file should contain only arrays. Convert it with '
            'tools/model_converters if you trust it.')


def read_checkpoint(path: str) -> dict:
    """Read a checkpoint file into a dict without running arbitrary code.

    Raises:
        CheckpointError: If the file is missing or cannot be read safely.
    """
    if not osp.isfile(path):
        raise CheckpointError(f'{path}: checkpoint file not found')
    try:
        if path.endswith('.safetensors'):
            from safetensors.torch import load_file
            return load_file(path, device='cpu')
        if path.endswith('.pkl'):
            with open(path, 'rb') as f:
                return _NumpyUnpickler(f, path).load()
        return torch.load(path, map_location='cpu', weights_only=True)
    except CheckpointError:
        raise
    except Exception as e:  # noqa: BLE001 - re-raised with the file's name
        raise CheckpointError(f'{path}: cannot load checkpoint: {e}') from e


def unwrap_state_dict(ckpt: dict) -> StateDict:
    """Return the tensor dict of a checkpoint, converting numpy arrays."""
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


def _grid_prefix(num_tokens: int) -> Tuple[int, int]:
    """Split a pos-embed length into (prefix tokens, square grid side)."""
    for prefix in range(0, 9):
        side = math.isqrt(num_tokens - prefix)
        if side * side == num_tokens - prefix:
            return prefix, side
    raise CheckpointError(
        f'cannot read a square position grid from {num_tokens} tokens')


def fit_to_vit(state_dict: StateDict, model_state: StateDict,
               grid_size: Tuple[int, int],
               num_prefix_embed: int) -> Tuple[StateDict, List[str]]:
    """Resample position and patch embeddings to the model's shapes.

    Args:
        state_dict (dict): Checkpoint tensors with model key names.
        model_state (dict): The model's own state dict (target shapes).
        grid_size (tuple[int, int]): The model's pos-embed grid (h, w).
        num_prefix_embed (int): Prefix (class/register) rows in the model's
            ``pos_embed``.

    Returns:
        tuple: The fitted state dict and notes on the conversions.
    """
    notes: List[str] = []
    sd = dict(state_dict)
    pos = sd.get('pos_embed')
    if pos is not None and 'pos_embed' in model_state:
        if pos.dim() == 4:  # (1, H, W, C) layouts (e.g. SAM / ViTDet variants)
            pos = pos.flatten(1, 2)
        prefix, side = _grid_prefix(pos.shape[1])
        if prefix and not num_prefix_embed:
            pos = pos[:, prefix:]
            notes.append(
                f'pos_embed: dropped {prefix} class-token position(s)')
        elif prefix != num_prefix_embed:
            raise CheckpointError(
                f'pos_embed has {prefix} prefix positions but the model '
                f'expects {num_prefix_embed}')
        if (side, side) != tuple(grid_size):
            pos = resample_abs_pos_embed(
                pos,
                new_size=list(grid_size),
                old_size=[side, side],
                num_prefix_tokens=num_prefix_embed,
                interpolation='bicubic',
                antialias=False)
            notes.append(f'pos_embed: grid {side}x{side} -> '
                                    f'{grid_size[0]}x{grid_size[1]}')
        sd['pos_embed'] = pos
    key = 'patch_embed.proj.weight'
    if key in sd and key in model_state and \
            sd[key].shape[-2:] != model_state[key].shape[-2:]:
        old = tuple(sd[key].shape[-2:])
        sd[key] = resample_patch_embed(
            sd[key], list(model_state[key].shape[-2:]),
            interpolation='bicubic', antialias=True)
        notes.append(f'{key}: patch {old[0]}x{old[1]} -> '
                                f'{sd[key].shape[-2]}x{sd[key].shape[-1]}')
    return sd, notes


def load_foundation_state(path: str,
                          model_state: StateDict,
                          grid_size: Tuple[int, int],
                          num_prefix_embed: int,
                          prefix: Optional[str] = None
                          ) -> Tuple[StateDict, List[str]]:
    """Read ``path`` and return ViT tensors fitted to ``model_state``.

    Args:
        path (str): Checkpoint file.
        model_state (dict): The ViT's state dict.
        grid_size (tuple[int, int]): The ViT's pos-embed grid.
        num_prefix_embed (int): Prefix rows of the ViT's ``pos_embed``.
        prefix (str, optional): Key prefix to select (as in mmengine's
            ``Pretrained`` init ``prefix``); detected when None.

    Returns:
        tuple: The state dict to load and notes on what was converted.
    """
    sd = unwrap_state_dict(read_checkpoint(path))
    if not sd:
        raise CheckpointError(f'{path}: no tensors found in the checkpoint')
    notes = []
    if prefix is not None:
        prefix = prefix if prefix.endswith('.') or not prefix else prefix + '.'
        sd = {k[len(prefix):]: v for k, v in sd.items() if k.startswith(prefix)}
        used = prefix
    else:
        sd, used = strip_prefix(sd, model_state.keys())
    if used:
        notes.append(f'stripped key prefix "{used}"')
    sd, converted = fit_to_vit(sd, model_state, grid_size, num_prefix_embed)
    return sd, notes + converted
