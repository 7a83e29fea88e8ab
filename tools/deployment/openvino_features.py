# Copyright (c) mmunirgbir contributors. All rights reserved.
"""An exported feature graph, run by OpenVINO, in place of a model's
backbone and neck, so that the model's own heads and evaluator measure what
the graph (fp32, bf16 or INT8) costs in accuracy."""
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn

from mmunirgbir.deployment.int8_quantization import graph_feed, input_dtype

#: OpenVINO ``INFERENCE_PRECISION_HINT`` of each precision: an INT8 graph
#: runs its remaining (not quantised) operations in fp32, or in bf16
PRECISION_HINTS = {
    'fp32': 'f32',
    'bf16': 'bf16',
    'int8': 'f32',
    'int8_bf16': 'bf16'
}


def _check_precision(precision: str) -> None:
    if precision not in PRECISION_HINTS:
        raise ValueError(f'precision must be one of {list(PRECISION_HINTS)}'
                         f', got {precision!r}')


def compile_openvino(model,
                     precision: str = 'fp32',
                     threads: int = 0,
                     shapes: Optional[Dict[str, Sequence[int]]] = None):
    """An OpenVINO model (or a path to one) compiled for the CPU.

    Args:
        model: ``openvino.Model``, or a path to an ONNX / IR file.
        precision (str): 'fp32', 'bf16', 'int8' (a quantised model; its
            other operations in fp32) or 'int8_bf16' (its other operations
            in bf16). Defaults to 'fp32'.
        threads (int): Inference threads; 0 lets OpenVINO choose.
        shapes (dict[str, Sequence[int]], optional): Fixed shapes of the
            inputs, by name (on a copy of ``model``); the graph's own
            (free batch, perhaps free height and width) if not given.
    """
    import openvino as ov
    _check_precision(precision)
    config = {'INFERENCE_PRECISION_HINT': PRECISION_HINTS[precision]}
    if threads:
        config['INFERENCE_NUM_THREADS'] = int(threads)
    core = ov.Core()
    if shapes:
        model = (core.read_model(model)
                 if isinstance(model, str) else model.clone())
        model.reshape({name: list(shape) for name, shape in shapes.items()})
    return core.compile_model(model, 'CPU', config)


class PerShapeCompiledModel:
    """An OpenVINO model compiled anew for each input shape it is called
    with, that shape fixed; called, like a ``CompiledModel``, with a dict of
    inputs.

    OpenVINO's CPU plugin optimises a graph of static shapes further than
    one whose batch (always free in an export of ``pytorch2onnx.py``) or
    size is free: it plans the memory and fuses the (de)quantisation and
    layout changes. Each new shape costs one compilation.

    Args:
        model: ``openvino.Model``, or a path to an ONNX / IR file.
        precision (str): As :func:`compile_openvino`. Defaults to 'fp32'.
        threads (int): Inference threads; 0 lets OpenVINO choose.
    """

    def __init__(self, model, precision: str = 'fp32',
                 threads: int = 0) -> None:
        import openvino as ov
        _check_precision(precision)
        self.model = (ov.Core().read_model(model)
                      if isinstance(model, str) else model)
        self.precision = precision
        self.threads = threads
        self.compiled: Dict[tuple, object] = {}

    @property
    def inputs(self):
        return self.model.inputs

    @property
    def outputs(self):
        return self.model.outputs

    def compiled_for(self, inputs: Dict[str, np.ndarray]):
        """The model compiled for the shapes of ``inputs`` (cached)."""
        shapes = {name: tuple(x.shape) for name, x in inputs.items()}
        key = tuple(sorted(shapes.items()))
        if key not in self.compiled:
            self.compiled[key] = compile_openvino(self.model, self.precision,
                                                  self.threads, shapes)
        return self.compiled[key]

    def __call__(self, inputs: Dict[str, np.ndarray]):
        return self.compiled_for(inputs)(inputs)


class OpenVINOFeatures(nn.Module):
    """A compiled feature graph (``pytorch2onnx.py`` of a two-stage detector,
    or ``--backbone-only``) standing in for ``model.backbone`` (+ neck).

    It takes what the model's data preprocessor gives the backbone (the
    normalised 6-channel batch), turns it back into the raw pixels the graph
    takes, and returns the graph's feature maps as tensors. Install it with
    :meth:`replace_features`; the heads, the post-processing and the
    evaluator stay the model's own.

    Args:
        compiled: An OpenVINO ``CompiledModel`` (or a
            :class:`PerShapeCompiledModel`) of the graph (inputs ``rgb``,
            ``ir``, raw pixels in RGB order).
        mean (Sequence[float]): The data preprocessor's 6 means.
        std (Sequence[float]): Its 6 standard deviations.
    """

    def __init__(self, compiled, mean: Sequence[float],
                 std: Sequence[float]) -> None:
        super().__init__()
        self.compiled = compiled
        self.dtype = input_dtype(compiled)
        self.register_buffer('mean', torch.as_tensor(mean, dtype=torch.float32
                                                     ).flatten(),
                             persistent=False)
        self.register_buffer('std', torch.as_tensor(std, dtype=torch.float32
                                                    ).flatten(),
                             persistent=False)

    def forward(self, inputs: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        out = self.compiled(graph_feed(inputs, self.mean, self.std,
                                       self.dtype))
        return tuple(
            torch.from_numpy(np.asarray(out[i])).to(inputs.device)
            for i in range(len(self.compiled.outputs)))

    @staticmethod
    def replace_features(model: nn.Module, compiled) -> nn.Module:
        """``model`` with its backbone (and neck) replaced by the graph:
        ``model.extract_feat`` then runs the graph. Returns the model."""
        pre = model.data_preprocessor
        model.backbone = OpenVINOFeatures(compiled, pre.mean, pre.std)
        if getattr(model, 'neck', None) is not None:
            model.neck = None
        return model
