# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Checkpoints: read safely, and fitted to a frozen foundation ViT.

**Reading.** torch >= 2.6 loads with ``weights_only=True`` by default, and mmengine 0.10.7
calls ``torch.load`` without arguments, so every mmengine checkpoint
(``--resume``, ``load_from``, ``mim test --checkpoint``) fails on the
``HistoryBuffer`` and numpy objects it stores. Instead of turning the safety
off (a pickle can run arbitrary code), :func:`register_checkpoint_safe_globals`
allow-lists exactly the types mmengine/mmdet/mmseg checkpoints contain, and
the local-file checkpoint loader is replaced by one that keeps
``weights_only=True`` and explains any type that is still refused.

**Fitting a foundation.** :func:`load_foundation` takes ViT checkpoints of
many origins: timm state dicts (``.pth``/``.bin``/``.safetensors``), MAE and
DeiT releases (weights under ``model``), the original DINOv2 / DINOv3 / EVA
layouts (converted by timm's checkpoint filters), detectron2 ViTDet ``.pkl``
files (numpy arrays, keys under ``backbone.net.``) and mmengine checkpoints
(under ``state_dict``, keys possibly under ``backbone.vit.`` when the file is
a whole mmunirgbir detector or segmentor).

Every failure is a :class:`CheckpointError` that names the file.
"""
import glob
import math
import os.path as osp
import pickle
import re
from typing import Any, Dict, Iterable, List, Optional, Tuple

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
    """A checkpoint is missing, unreadable, unsafe, or does not fit the
    model."""


def _history_buffer_getattr(obj: Any, name: str) -> Any:
    """``getattr`` as allowed inside checkpoints: HistoryBuffer methods only.

    mmengine's ``HistoryBuffer`` keeps its statistics methods in its state,
    which pickle (protocol 2) writes as ``getattr(HistoryBuffer, 'mean')``.
    A general ``getattr`` would open the way to arbitrary code, so this one
    returns nothing but HistoryBuffer's own public functions.
    """
    from mmengine.logging import HistoryBuffer
    if obj is HistoryBuffer and not name.startswith('_') and callable(
            HistoryBuffer.__dict__.get(name)):
        return getattr(obj, name)
    raise pickle.UnpicklingError(
        f'checkpoint asks for getattr({obj!r}, {name!r}); only '
        'HistoryBuffer methods are allowed')


def checkpoint_safe_globals() -> List[Any]:
    """The types that mmengine, mmdet and mmseg checkpoints may contain."""
    from mmengine.config import ConfigDict
    from mmengine.logging import HistoryBuffer
    try:
        from numpy._core.multiarray import _reconstruct, scalar
    except ImportError:  # numpy < 2
        from numpy.core.multiarray import _reconstruct, scalar
    types = [
        HistoryBuffer, ConfigDict, _reconstruct, scalar, np.ndarray, np.dtype,
        (_history_buffer_getattr, '__builtin__.getattr'),
        (_history_buffer_getattr, 'builtins.getattr')
    ]
    # numpy >= 1.25 pickles dtypes through their classes (numpy.dtypes.*)
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        types += [
            getattr(dtypes, n) for n in dir(dtypes) if n.endswith('DType')
        ]
    return types


def register_checkpoint_safe_globals(extra: Iterable[Any] = ()) -> None:
    """Allow the checkpoint types of :func:`checkpoint_safe_globals`.

    Args:
        extra (Iterable): More types or functions to allow (only for
            checkpoints you trust).
    """
    torch.serialization.add_safe_globals(
        checkpoint_safe_globals() + list(extra))


#: public alias for users whose checkpoints carry more types
allow_checkpoint_types = register_checkpoint_safe_globals


#: modules and names whose appearance in a pickle means "run code": never
#: suggested for the allow-list
_CODE_MODULES = ('posix', 'nt', 'os', 'subprocess', 'sys', 'shutil',
                 'socket', 'runpy', 'importlib', 'pty', 'builtins',
                 '__builtin__', 'code', 'ctypes', 'pickle', 'marshal')
_CODE_NAMES = ('system', 'popen', 'exec', 'eval', 'compile', 'getattr',
               '__import__', 'open', 'apply', 'spawn')


def explain_unpickling_error(filename: str, error: Exception) -> str:
    """Turn torch's weights-only refusal into an actionable message.

    A refused global that runs code (``posix.system``, ``builtins.eval``,
    ...) is named as such, and never offered for the allow-list.
    """
    found = re.search(r'GLOBAL ([\w.]+)', str(error))
    if not found:
        return (f'{filename}: not a readable checkpoint (truncated or not a '
                f'torch file?): {error}')
    name = found.group(1)
    module, _, attr = name.rpartition('.')
    if module.split('.')[0] in _CODE_MODULES or attr in _CODE_NAMES:
        return (f'{filename}: refused: the file asks to call {name}, which '
                'runs code when the file is opened. A weights file never '
                'does that; do not load this file.')
    return (f'{filename}: the checkpoint contains {name}, which is not in '
            'the allow-list of types mmunirgbir loads with '
            'torch.load(weights_only=True). If you trust this file, allow '
            'the type before loading, e.g. in a module listed in your '
            "config's custom_imports: "
            f'`mmunirgbir.utils.allow_checkpoint_types([{name}])`. '
            f'Original error: {error}')


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
        raise pickle.UnpicklingError(
            f'{self.path}: refusing to unpickle {module}.{name}; a weights '
            'file should contain only arrays. Convert it with '
            'tools/model_converters if you trust it.')


@CheckpointLoader.register_scheme(prefixes='', force=True)
def load_from_local(filename: str, map_location=None) -> Any:
    """mmengine's local-file checkpoint loader, without running code.

    ``.safetensors`` files are read by safetensors, detectron2 ``.pkl`` files
    by an unpickler that accepts numpy arrays only, everything else by
    ``torch.load(weights_only=True)`` with the allow-list above.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise CheckpointError(f'{filename}: checkpoint file not found')
    if osp.getsize(filename) == 0:
        raise CheckpointError(f'{filename}: empty (0-byte) file, not a '
                                  'checkpoint')
    if filename.endswith('.safetensors'):
        from safetensors.torch import load_file
        return load_file(filename, device=str(map_location or 'cpu'))
    if filename.endswith('.pkl'):
        with open(filename, 'rb') as f:
            return _NumpyUnpickler(f, filename).load()
    try:
        ckpt = torch.load(
            filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as e:
        raise CheckpointError(explain_unpickling_error(filename, e)) from e
    except Exception as e:  # noqa: BLE001 - truncated zips, text files, ...
        raise CheckpointError(
            f'{filename}: not a readable checkpoint (truncated or not a '
            f'torch file?): {type(e).__name__}: {e}') from e
    if not isinstance(ckpt, dict):
        raise CheckpointError(
            f'{filename}: holds a {type(ckpt).__name__}, not a checkpoint '
            'dict')
    return ckpt


def latest_readable_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint to resume from in ``work_dir``.

    mmengine's choice (``last_checkpoint``) when it reads, else the newest
    ``*.pth`` that does, with a warning naming each unreadable one; None when
    there is no checkpoint.
    """
    from mmengine.runner import find_latest_checkpoint
    latest = find_latest_checkpoint(work_dir)
    others = sorted(glob.glob(osp.join(work_dir, '*.pth')),
                    key=osp.getmtime, reverse=True)
    candidates = ([latest] if latest else []) + [
        p for p in others if not latest or not osp.samefile(p, latest)]
    for path in candidates:
        try:
            load_from_local(path, map_location='cpu')
        except Exception as e:  # noqa: BLE001 - reported, next one tried
            MMLogger.get_current_instance().warning(
                f'cannot resume from {path}: {e}; trying an older checkpoint')
            continue
        return path
    return None


def read_checkpoint(path: str) -> dict:
    """Read a checkpoint through mmengine's ``CheckpointLoader``.

    Local files go through :func:`load_from_local`, which
    never runs arbitrary code (``.pth`` with ``weights_only``,
    ``.safetensors``, numpy-only ``.pkl``); URLs use mmengine's loaders.

    Raises:
        CheckpointError: If the file is missing or cannot be read safely.
    """
    try:
        return CheckpointLoader.load_checkpoint(path, map_location='cpu')
    except CheckpointError:  # local files: the error names the file already
        raise
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


register_checkpoint_safe_globals()
