# Copyright (c) mmunirgbir contributors. All rights reserved.
"""A fixed backbone and input whose outputs are stored in ``tests/fixtures``.

``tests/fixtures/unirgbir_vit_reference.npz`` holds, for a few tiny
configurations, the state-dict key names and shapes of the backbone, an
input and the outputs computed when the file was written (by the first
backbone, whose level embedding and value projections sat elsewhere: the
keys test that checkpoints of that layout still load). Every tensor of
the state dict is a function of its key name only (:func:`fill_by_name`), so
the file needs no weights, and a later backbone with the same weights
(under the same or renamed keys) must give the same outputs.

Regenerate only when a change of the outputs is intended::

    python tests/test_models/test_backbones/backbone_reference.py
"""
import json
import zlib
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np
import torch

REFERENCE_FILE = Path(__file__).resolve().parents[2] / 'fixtures' / \
    'unirgbir_vit_reference.npz'

_TINY = dict(
    vit_name='vit_base_patch16_224',
    img_size=64,
    vit_cfg=dict(embed_dim=32, depth=4, num_heads=2),
    sfi_cfg=dict(num_heads=2),
    global_attn_indexes=(1, 3),
    mfp_cfg=dict(stem_channels=8, pyramid_channels=(8, 16, 16)),
    out_indices=(0, 1, 2, 3))

#: configurations covered: plain, ViTDet windows, class token
CONFIGS = dict(
    plain=dict(_TINY),
    window=dict(_TINY, window_size=3),
    cls_token=dict(_TINY, with_cls_token=True))

#: (B, 6, H, W): not a multiple of the patch, grid unlike the stored 4x4
INPUT_SHAPE = (2, 6, 90, 120)


def fill_by_name(shapes: Dict[str, Tuple[int, ...]]) -> Dict[str,
                                                              torch.Tensor]:
    """Deterministic tensors for a state dict, each a function of its name.

    Scales, norms and batch-norm variances are kept near 1 so that every
    part of the network (the adapter too) is active.
    """
    out = {}
    for name, shape in shapes.items():
        gen = torch.Generator().manual_seed(zlib.crc32(name.encode()))
        noise = torch.randn(shape, generator=gen)
        leaf = name.rsplit('.', 1)[-1]
        if leaf == 'num_batches_tracked':
            out[name] = torch.zeros(shape, dtype=torch.long)
        elif leaf == 'running_var':
            out[name] = 1 + 0.1 * noise.abs()
        elif leaf == 'gamma' or (leaf == 'weight' and
                                 ('norm' in name or '.bn' in name
                                  or name.endswith('.ln.weight'))):
            out[name] = 1 + 0.1 * noise
        else:
            out[name] = 0.05 * noise
    return out


def reference_input() -> torch.Tensor:
    gen = torch.Generator().manual_seed(0)
    return torch.randn(INPUT_SHAPE, generator=gen)


def read_reference(key: str) -> Tuple[Dict[str, Tuple[int, ...]],
                                      List[torch.Tensor]]:
    """The state-dict shapes and the outputs stored for ``key``."""
    with np.load(REFERENCE_FILE) as data:
        shapes = json.loads(str(data[f'{key}.shapes']))
        outputs = [
            torch.from_numpy(data[f'{key}.output{i}'])
            for i in range(len(CONFIGS[key]['out_indices']))
        ]
    return {k: tuple(v) for k, v in shapes.items()}, outputs


def write_reference() -> None:
    from mmunirgbir.models import UniRGBIRViT
    arrays = {}
    for key, cfg in CONFIGS.items():
        model = UniRGBIRViT(**cfg).eval()
        shapes = {k: list(v.shape) for k, v in model.state_dict().items()}
        model.load_state_dict(fill_by_name(shapes))
        with torch.no_grad():
            outputs = model(reference_input())
        arrays[f'{key}.shapes'] = np.array(json.dumps(shapes))
        for i, out in enumerate(outputs):
            arrays[f'{key}.output{i}'] = out.numpy()
    np.savez_compressed(REFERENCE_FILE, **arrays)
    print(f'wrote {REFERENCE_FILE}')


if __name__ == '__main__':
    write_reference()
