# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Where the installed package keeps its configs (for downstream projects)."""
import os.path as osp


def config_root() -> str:
    """Return the folder of mmunirgbir's configs.

    ``mmunirgbir/.mim/configs`` in an installed wheel (and a symlink to the
    checkout's ``configs/`` in an editable install), else the checkout's
    ``configs/``. Downstream configs inherit ours through it::

        export MMUNIRGBIR_CONFIGS=$(python -c \
            'import mmunirgbir; print(mmunirgbir.config_root())')
        # in my_config.py:
        _base_ = '{{$MMUNIRGBIR_CONFIGS:../mmunirgbir/configs}}/unirgbir/...'
    """
    here = osp.dirname(osp.abspath(__file__))
    for path in (osp.join(here, '.mim', 'configs'),
                 osp.join(osp.dirname(here), 'configs')):
        if osp.isdir(path):
            return osp.realpath(path)
    raise FileNotFoundError('mmunirgbir configs not found next to '
                            f'{here}; reinstall the package')

