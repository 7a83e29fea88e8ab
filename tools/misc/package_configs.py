# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Write the new-style modules of ``mmunirgbir/configs`` for the config files
under ``configs/{demo,unirgbir,unirgbir_seg}``, and remove the modules whose
file is gone. Each module is one line that reads its file
(``mmunirgbir.utils.packaged_config``), so no model is written twice.

    python tools/misc/package_configs.py [--check]

``--check`` changes nothing and exits 1 if a module is missing or stale.
"""
import argparse
import os
import os.path as osp
import sys

from mmunirgbir.utils.packaged_config import (PACKAGE_CONFIGS, PARTS_FOLDER,
                                              packaged_modules)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
STUB = ('# New-style form of the config file of the same name under configs/.\n'
        'globals().update(\n'
        "    __import__('mmunirgbir.utils.packaged_config',\n"
        "               fromlist=['_']).packaged_config(__file__))\n")
INIT = '# Copyright (c) mmunirgbir contributors. All rights reserved.\n'


def plan(root: str = osp.join(REPO, 'configs')) -> tuple:
    """The module files to write and the ones to remove."""
    wanted = {osp.join(PACKAGE_CONFIGS, *f'{key}.py'.split('/'))
              for key in packaged_modules(root)}
    folders = {osp.dirname(f) for f in wanted}
    wanted |= {osp.join(d, '__init__.py') for d in folders | {PACKAGE_CONFIGS}}
    present = {osp.join(d, f) for d, _, fs in os.walk(PACKAGE_CONFIGS)
               for f in fs if f.endswith('.py') and PARTS_FOLDER not in
               osp.relpath(d, PACKAGE_CONFIGS).split(os.sep)}
    write = sorted(f for f in wanted if not osp.isfile(f)
                   or open(f).read() != _content(f))
    return write, sorted(present - wanted)


def _content(path: str) -> str:
    return INIT if osp.basename(path) == '__init__.py' else STUB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--check', action='store_true')
    args = parser.parse_args()
    write, remove = plan()
    if args.check:
        for f in write:
            print(f'missing or changed: {f}')
        for f in remove:
            print(f'stale: {f}')
        sys.exit(1 if write or remove else 0)
    for f in write:
        os.makedirs(osp.dirname(f), exist_ok=True)
        with open(f, 'w') as out:
            out.write(_content(f))
    for f in remove:
        os.remove(f)
    print(f'{len(write)} written, {len(remove)} removed')


if __name__ == '__main__':
    main()
