# Copyright (c) mmunirgbir contributors. All rights reserved.
"""One validation of annotated boxes for every RGB-IR detection dataset."""
import math
from typing import List, Optional, Sequence

from mmengine.logging import print_log

#: what a dataset does with a bad box
POLICIES = ('raise', 'drop')


class InvalidAnnotationError(ValueError):
    """A label file holds a box or line that cannot be trained on."""


def box_problem(bbox: Sequence[float], width: Optional[float] = None,
                height: Optional[float] = None) -> Optional[str]:
    """Why ``bbox`` (x1, y1, x2, y2 in pixels) cannot be trained on.

    Args:
        bbox (Sequence[float]): The box.
        width (float, optional): Image width; with ``height``, boxes wholly
            outside the image are refused.
        height (float, optional): Image height.

    Returns:
        str or None: The reason, or None for a usable box.
    """
    if len(bbox) != 4:
        return f'a box needs 4 numbers, got {len(bbox)}'
    x1, y1, x2, y2 = bbox
    box = '[' + ', '.join(f'{v:g}' for v in bbox) + ']'
    if not all(math.isfinite(v) for v in bbox):
        return f'non-finite coordinate in box {box}'
    if x2 <= x1 or y2 <= y1:
        return f'empty box {box}: width {x2 - x1:g}, height {y2 - y1:g}'
    if width is not None and height is not None and (
            x2 <= 0 or y2 <= 0 or x1 >= width or y1 >= height):
        return f'box {box} lies wholly outside the {width:g}x{height:g} image'

    return None


class BoxValidator:
    """Checks the boxes a dataset reads: raise, or drop and count.

    Every detection dataset of this package routes its boxes through one
    validator, so a NaN, empty, out-of-image or unparsable box is never
    trained on silently.

    Args:
        invalid_boxes (str): 'raise' (default): the first bad box stops
            loading with an :class:`InvalidAnnotationError` naming its file
            and line (or annotation id). 'drop': bad boxes are left out, and
            one warning per load gives their number and the first places.
    """

    def __init__(self, invalid_boxes: str = 'raise') -> None:
        if invalid_boxes not in POLICIES:
            raise ValueError(f'invalid_boxes must be one of {POLICIES}, got '
                             f'{invalid_boxes!r}')
        self.policy = invalid_boxes
        self.dropped: List[str] = []
        self.beyond_border = 0

    def reject(self, where: str, reason: str) -> None:
        """Raise for, or record the drop of, the box at ``where``."""
        if self.policy == 'raise':
            raise InvalidAnnotationError(
                f'{where}: {reason} (the dataset option '
                'invalid_boxes="drop" drops such boxes with a warning)')
        self.dropped.append(f'{where}: {reason}')

    def check(self, bbox: Sequence[float], where: str,
              width: Optional[float] = None,
              height: Optional[float] = None) -> bool:
        """Whether to keep ``bbox``; a bad box is rejected (see above)."""
        reason = box_problem(bbox, width, height)
        if reason is not None:
            self.reject(where, reason)
            return False
        if width is not None and height is not None and (
                bbox[0] < 0 or bbox[1] < 0 or bbox[2] > width
                or bbox[3] > height):
            self.beyond_border += 1
        return True

    def report(self, dataset: str) -> None:
        """Warn once about what this load dropped; then start counting
        afresh."""
        if self.dropped:
            shown = '; '.join(self.dropped[:5])
            more = len(self.dropped) - 5
            print_log(
                f'{dataset}: dropped {len(self.dropped)} invalid boxes: '
                f'{shown}' + (f'; and {more} more' if more > 0 else ''),
                logger='current', level=30)
        if self.beyond_border:
            print_log(
                f'{dataset}: {self.beyond_border} boxes extend beyond their '
                'image; the pipeline clips them at the border',
                logger='current', level=30)
        self.dropped, self.beyond_border = [], 0
