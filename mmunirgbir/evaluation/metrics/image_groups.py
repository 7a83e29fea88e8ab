# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Named groups of images (e.g. day and night) for the grouped metrics."""
import os.path as osp
import re
from typing import Dict, List, Pattern


def compile_groups(groups: Dict[str, str]) -> Dict[str, Pattern]:
    """Group name -> compiled pattern."""
    return {name: re.compile(p) for name, p in (groups or {}).items()}


def image_groups(img_path: str, groups: Dict[str, Pattern]) -> List[str]:
    """The groups whose pattern is found in the image's file name without
    its extension."""
    stem = osp.splitext(osp.basename(img_path))[0]
    return [name for name, pattern in groups.items() if pattern.search(stem)]
