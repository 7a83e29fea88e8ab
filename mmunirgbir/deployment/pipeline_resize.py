# Copyright (c) mmunirgbir contributors. All rights reserved.
"""The test pipeline's resize, which a deployment repeats before the graph."""
from typing import Optional

from mmengine.config import Config

from ..apis.inferencer import _test_pipeline


def config_test_resize(cfg: Config) -> Optional[dict]:
    """``dict(scale=[w, h], keep_ratio=bool)`` of the test pipeline's
    ``Resize``, or None when it has none."""
    for t in _test_pipeline(cfg):
        if t['type'] in ('Resize', 'mmdet.Resize', 'mmseg.Resize'):
            scale = t.get('scale')
            if isinstance(scale, int):
                scale = (scale, scale)
            if scale is None:
                raise ValueError('the test pipeline resizes by scale_factor; '
                                 'give the export shape explicitly')
            return dict(scale=[int(s) for s in scale],
                        keep_ratio=bool(t.get('keep_ratio', False)))
    return None
