# Copyright (c) mmunirgbir contributors. All rights reserved.
"""The configs shipped in the package, for mmengine's new-style inheritance.

A downstream project inherits a reference config with nothing set::

    from mmengine.config import read_base

    with read_base():
        from mmunirgbir.configs.unirgbir.\
cascade_rcnn_unirgbir_vit_b_simplefpn_16xb4_lsj_100e_flir_aligned import *

    train_dataloader.update(batch_size=2)

Every module under ``mmunirgbir/configs`` stands for the config file of the
same name under ``configs/`` (``-`` and ``.`` written ``_``, as mmdet names
its modules) and holds one line that reads that file through
:func:`packaged_config`. The model is written once, in the file that
``mim train`` and ``tools/train.py`` also take.
"""
import os
import os.path as osp
import re
from typing import Dict

from mmengine.config import Config

from ..config_root import config_root

#: the package folder of the new-style modules
PACKAGE_CONFIGS = osp.join(
    osp.dirname(osp.dirname(osp.abspath(__file__))), 'configs')
#: the config folders that have new-style modules
PACKAGED_FOLDERS = ('demo', 'unirgbir', 'unirgbir_seg')
#: shared parts of the model bases (a plain module, not a config)
PARTS_FOLDER = '_base_'


def module_name(config_file: str) -> str:
    """The new-style module name of a config file, as mmdet writes them:
    ``cascade-rcnn_..._flir-aligned.py`` -> ``cascade_rcnn_..._flir_aligned``.
    """
    return re.sub(r'[-.]', '_', osp.splitext(osp.basename(config_file))[0])


def packaged_modules(root: str = None) -> Dict[str, str]:
    """Map each new-style module path (``unirgbir/cascade_rcnn_...``) to the
    config file (under ``root``, default :func:`config_root`) it reads."""
    root = root or config_root()
    modules = {}
    for folder in PACKAGED_FOLDERS:
        for name in sorted(os.listdir(osp.join(root, folder))):
            if name.endswith('.py'):
                key = f'{folder}/{module_name(name)}'
                if key in modules:
                    raise ValueError(
                        f'{osp.join(root, folder, name)} and '
                        f'{modules[key]} have the same module name {key}')
                modules[key] = osp.join(root, folder, name)
    return modules


def packaged_config(module_file: str) -> dict:
    """The settings of the config that the new-style module
    ``module_file`` stands for.

    Args:
        module_file (str): ``__file__`` of a module under
            ``mmunirgbir/configs``.

    Returns:
        dict: The merged config as plain dicts, ready for ``globals()``.

    Raises:
        FileNotFoundError: If no config file under ``configs/`` has the
            module's name.
    """
    rel = osp.relpath(osp.abspath(module_file), PACKAGE_CONFIGS)
    key = osp.splitext(rel)[0].replace(os.sep, '/')
    root = config_root()
    source = packaged_modules(root).get(key)
    if source is None:
        raise FileNotFoundError(
            f'{module_file}: no config file under {root} has the module '
            f'name {key}; the config was removed or renamed')
    return Config.fromfile(source).to_dict()
