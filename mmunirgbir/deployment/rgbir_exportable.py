# Copyright (c) mmunirgbir contributors. All rights reserved.
"""The base of every exportable: raw (RGB, IR) pixels in, model input out."""
from typing import Dict, Tuple

import torch.nn as nn

from .raw_input import RawRGBIRInput


class RGBIRExportable(nn.Module):
    """A built mmdet / mmseg model behind :class:`RawRGBIRInput`.

    Subclasses set ``task`` (what ``onnx_infer.py`` does with the outputs),
    ``output_names`` and ``exported`` (what the graph holds, in words).

    Args:
        model (nn.Module): The built model (its ``data_preprocessor``
            gives the normalisation and padding).
        channel_order (str): Channel order of the graph's ``rgb`` input.
    """
    task = ''
    output_names: Tuple[str, ...] = ()
    exported = ''

    def __init__(self, model: nn.Module, channel_order: str) -> None:
        super().__init__()
        pre = model.data_preprocessor
        self.model = model
        self.preprocess = RawRGBIRInput(
            pre.mean.flatten().tolist(),
            pre.std.flatten().tolist(),
            channel_order=channel_order,
            pad_size_divisor=getattr(pre, 'pad_size_divisor', 1) or 1)

    def metadata(self) -> Dict[str, str]:
        """Key-value facts stored in the ONNX file for its readers."""
        return dict(task=self.task, output_names=','.join(self.output_names))
