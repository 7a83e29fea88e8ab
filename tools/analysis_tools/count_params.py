# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Trainable vs frozen parameters per module of a config's model.

    python tools/analysis_tools/count_params.py CONFIG [--depth 3] [--json]

The ViT-B reference shows 8,904,400 trainable parameters in the backbone
(the adapter) and none in its ViT.
"""
import argparse
import json
import warnings

from mmengine.config import DictAction
from mmengine.registry import MODELS

import mmunirgbir  # noqa: F401
from mmunirgbir.utils import load_config, parameter_table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('--depth', type=int, default=3,
                        help='module depth of the table (default 3)')
    parser.add_argument('--json', action='store_true',
                        help='print one JSON object instead of a table')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args()
    cfg = load_config(args.config, args.cfg_options)
    cfg.model.get('backbone', {}).pop('init_cfg', None)  # counts only
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        model = MODELS.build(cfg.model)
    rows = parameter_table(model, args.depth)
    if args.json:
        print(json.dumps({r.name: dict(trainable=r.trainable, frozen=r.frozen)
                          for r in rows}))
        return
    width = max(len('  ' * r.depth + r.name) for r in rows) + 2
    print(f'{"module":<{width}}{"trainable":>14}{"frozen":>14}{"total":>14}')
    for r in rows:
        name = '  ' * max(r.depth - 1, 0) + r.name
        print(f'{name:<{width}}{r.trainable:>14,}{r.frozen:>14,}'
              f'{r.total:>14,}')


if __name__ == '__main__':
    main()
