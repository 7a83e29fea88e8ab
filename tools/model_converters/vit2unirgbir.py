# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Convert a ViT checkpoint into the key layout UniRGBIRViT loads.

Reads timm state dicts (.pth / .safetensors), MAE and DeiT releases (weights
under ``model``), detectron2 ViTDet ``.pkl`` files and mmengine checkpoints,
and writes a plain tensor dict with the timm ViT keys of ``--vit-name``:
prefixes stripped, class-token positions dropped, position embeddings
resampled to the ``--img-size`` grid and patch embeddings to
``--patch-size``. The report lists what was converted, what the checkpoint
had in excess and what it lacks (an error unless --allow-missing).

    python tools/model_converters/vit2unirgbir.py model_final.pkl \
        checkpoints/vitdet_b.pth --vit-name vit_base_patch16_224
"""
import argparse
import sys
import warnings

import torch

import mmunirgbir  # noqa: F401
from mmunirgbir.models import UniRGBIRViT
from mmunirgbir.utils import read_foundation


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='checkpoint to convert')
    parser.add_argument('dst', help='output .pth (plain tensor dict)')
    parser.add_argument('--vit-name', default='vit_base_patch16_224')
    parser.add_argument('--img-size', type=int, default=224,
                        help='position-embedding grid = img-size / patch')
    parser.add_argument('--patch-size', type=int, default=None)
    parser.add_argument('--with-cls-token', action='store_true')
    parser.add_argument('--prefix', default=None,
                        help='key prefix of the ViT (detected by default)')
    parser.add_argument('--allow-missing', action='store_true')
    args = parser.parse_args()
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        model = UniRGBIRViT(
            vit_name=args.vit_name,
            img_size=args.img_size,
            patch_size=args.patch_size,
            with_cls_token=args.with_cls_token)
    state, notes, missing, unexpected = read_foundation(
        args.src, model.vit, args.prefix)
    total = len(model.vit.state_dict())
    print(f'{args.src} -> {args.dst}: {len(state)}/{total} ViT tensors '
          f'of {args.vit_name}')
    for note in notes:
        print(f'  converted: {note}')
    if unexpected:
        print(f'  not used ({len(unexpected)}): ' + ', '.join(unexpected))
    if missing:
        print(f'  MISSING ({len(missing)}): ' + ', '.join(missing))
        if not args.allow_missing:
            print('refusing to write an incomplete ViT (use --allow-missing '
                  'for a ViT you will fine-tune)', file=sys.stderr)
            return 1
    torch.save(state, args.dst)
    return 0


if __name__ == '__main__':
    sys.exit(main())
