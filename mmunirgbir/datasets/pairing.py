# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Match RGB and IR files by name (never by sorted position)."""
import os
import os.path as osp
from typing import Dict, Iterable, List, Optional, Tuple

IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff')


def list_images(folder: str) -> Dict[str, str]:
    """Map file stem -> file name for the images directly in ``folder``."""
    if not osp.isdir(folder):
        raise FileNotFoundError(f'image folder not found: {folder}')
    out = {}
    for name in sorted(os.listdir(folder)):
        stem, ext = osp.splitext(name)
        if ext.lower() in IMG_EXTENSIONS:
            if stem in out:
                raise ValueError(f'{folder}: two images share the name '
                                 f'{stem!r} ({out[stem]}, {name})')
            out[stem] = name
    return out


def pair_by_stem(rgb_dir: str,
                 ir_dir: str,
                 stems: Optional[Iterable[str]] = None
                 ) -> List[Tuple[str, str, str]]:
    """Pair the images of two folders by file stem.

    Args:
        rgb_dir (str): Folder of RGB images.
        ir_dir (str): Folder of IR images.
        stems (Iterable[str], optional): Only these stems (e.g. a split
            file); all RGB images when None.

    Returns:
        list[tuple[str, str, str]]: (stem, rgb path, ir path), sorted by stem.

    Raises:
        FileNotFoundError: Naming every RGB image without an IR partner (or a
            listed stem without an RGB image).
    """
    rgb = list_images(rgb_dir)
    ir = list_images(ir_dir)
    wanted = sorted(rgb) if stems is None else list(stems)
    no_rgb = [s for s in wanted if s not in rgb]
    no_ir = [s for s in wanted if s in rgb and s not in ir]
    problems = []
    if no_rgb:
        problems.append(f'{len(no_rgb)} listed images missing in {rgb_dir}: '
                        f'{_names(no_rgb)}')
    if no_ir:
        problems.append(f'{len(no_ir)} RGB images without an IR partner in '
                        f'{ir_dir}: {_names([rgb[s] for s in no_ir])}')
    if problems:
        raise FileNotFoundError('; '.join(problems))
    return [(s, osp.join(rgb_dir, rgb[s]), osp.join(ir_dir, ir[s]))
            for s in wanted]


def match_by_stem(rgb_dir: str, ir_dir: str
                  ) -> Tuple[List[Tuple[str, str, str]], List[str], List[str]]:
    """Pair two folders by stem and list what has no partner.

    Returns:
        tuple: (stem, rgb path, ir path) pairs, RGB files without IR partner
        and IR files without RGB partner (file names, never guessed).
    """
    rgb = list_images(rgb_dir)
    ir = list_images(ir_dir)
    pairs = [(s, osp.join(rgb_dir, rgb[s]), osp.join(ir_dir, ir[s]))
             for s in sorted(rgb) if s in ir]
    return (pairs, [rgb[s] for s in sorted(rgb) if s not in ir],
            [ir[s] for s in sorted(ir) if s not in rgb])


def read_split_file(path: str) -> List[str]:
    """Read one image stem (or relative id) per non-empty line."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'split file not found: {path}')
    with open(path) as f:
        return [ln.strip() for ln in f if ln.strip()]


def _names(items: List[str], n: int = 10) -> str:
    return ', '.join(items[:n]) + (f' ... (+{len(items) - n})'
                                   if len(items) > n else '')
