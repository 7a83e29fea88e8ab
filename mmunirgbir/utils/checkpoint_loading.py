# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Safe loading of mmengine checkpoints on torch >= 2.6.

torch >= 2.6 loads with ``weights_only=True`` by default, and mmengine 0.10.7
calls ``torch.load`` without arguments, so every mmengine checkpoint
(``--resume``, ``load_from``, ``mim test --checkpoint``) fails on the
``HistoryBuffer`` and numpy objects it stores. Instead of turning the safety
off (a pickle can run arbitrary code), :func:`register_checkpoint_safe_globals`
allow-lists exactly the types mmengine/mmdet/mmseg checkpoints contain, and
the local-file checkpoint loader is replaced by one that keeps
``weights_only=True`` and explains any type that is still refused.
"""
import glob
import os.path as osp
import pickle
import re
from typing import Any, Iterable, List, Optional

import numpy as np
import torch
from mmengine.logging import MMLogger
from mmengine.runner import CheckpointLoader


class CheckpointReadError(OSError):
    """A checkpoint file is empty, truncated or not a checkpoint."""


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
        raise FileNotFoundError(f'{filename} can not be found.')
    if osp.getsize(filename) == 0:
        raise CheckpointReadError(f'{filename}: empty (0-byte) file, not a '
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
        raise pickle.UnpicklingError(explain_unpickling_error(filename,
                                                              e)) from e
    except Exception as e:  # noqa: BLE001 - truncated zips, text files, ...
        raise CheckpointReadError(
            f'{filename}: not a readable checkpoint (truncated or not a '
            f'torch file?): {type(e).__name__}: {e}') from e
    if not isinstance(ckpt, dict):
        raise CheckpointReadError(
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


register_checkpoint_safe_globals()
