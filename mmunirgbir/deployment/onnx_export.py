# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Export an RGB-IR module to ONNX and check it against ONNX Runtime."""
import warnings
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
import torch

#: lowest opset: ``GridSample`` (the deformable sampling) arrived in 16
MIN_OPSET = 16


def export_onnx(module: torch.nn.Module,
                example: Tuple[torch.Tensor, torch.Tensor],
                path: str,
                dynamic: bool = False,
                opset: int = 18,
                metadata: Optional[Dict[str, str]] = None) -> None:
    """Export ``module(rgb, ir)`` to ``path`` with inputs ``rgb`` and ``ir``.

    torch's dynamo exporter traces sizes symbolically, so with ``dynamic``
    the height and width stay free (the batch always does): the token grid,
    position tables, reference points and sampling grids are computed from
    the input's shape inside the graph.
    The IR input may have 1 or 3 channels either way.

    Args:
        module (nn.Module): An exportable from :func:`build_exportable`.
        example (tuple[Tensor, Tensor]): Example ``rgb`` (B, 3, H, W) and
            ``ir`` (B, 1 or 3, H, W) of the dtype the graph will take.
        path (str): Output ``.onnx`` file.
        dynamic (bool): Free height and width. Defaults to False.
        opset (int): ONNX opset, at least 16. Defaults to 18.
        metadata (dict[str, str], optional): Stored as the model's
            ``metadata_props``, added to ``module.metadata()``.
    """
    if opset < MIN_OPSET:
        raise ValueError(f'opset {opset}: the deformable sampling needs '
                         f'GridSample, opset {MIN_OPSET} or later')
    from torch.export import Dim
    rgb, ir = example
    # torch.export fixes every dimension whose example size is 1: trace a
    # 3-channel IR and two images (the batch stays free)
    ir = ir[:, :1].expand(-1, 3, -1, -1).contiguous()
    if rgb.shape[0] == 1:
        rgb, ir = rgb.repeat(2, 1, 1, 1), ir.repeat(2, 1, 1, 1)
    # Dim.DYNAMIC, not named ranges: size tests such as timm's "is the grid
    # the pre-training one?" add guards that a named range would reject;
    # both branches give the same result
    free = Dim.DYNAMIC
    shapes = {'rgb': {}, 'ir': {1: free}}
    for spec in shapes.values():
        if dynamic:
            spec.update({2: free, 3: free})
        spec[0] = free
    module.eval()
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter('ignore')
        program = torch.onnx.export(
            module, (rgb, ir),
            dynamo=True,
            input_names=['rgb', 'ir'],
            output_names=list(module.output_names) or None,
            dynamic_shapes=shapes,
            opset_version=opset,
            optimize=True,
            verbose=False)
    if hasattr(module, 'metadata'):  # the exportable's own facts first
        metadata = dict(module.metadata(), **(metadata or {}))
    program.model.metadata_props.update(
        {key: str(value) for key, value in (metadata or {}).items()})
    program.save(path)


def onnxruntime_session(path: str):
    """An ONNX Runtime CPU session of the exported file."""
    import onnxruntime as ort
    options = ort.SessionOptions()
    # errors only: the detector graphs' data-dependent sizes make ONNX
    # Runtime warn about buffer reuse on every run
    options.log_severity_level = 3
    return ort.InferenceSession(
        path, options, providers=['CPUExecutionProvider'])


def run_onnxruntime(model, rgb: np.ndarray,
                    ir: np.ndarray) -> Sequence[np.ndarray]:
    """The outputs of the exported file in ONNX Runtime (CPU).

    ``model`` is the file's path or a session from
    :func:`onnxruntime_session` (to run it more than once).
    """
    session = onnxruntime_session(model) if isinstance(model, str) else model
    return session.run(None, {'rgb': rgb, 'ir': ir})


def max_difference(torch_outputs, onnx_outputs) -> float:
    """Largest absolute difference between matching outputs."""
    if isinstance(torch_outputs, torch.Tensor):
        torch_outputs = (torch_outputs, )
    if len(torch_outputs) != len(onnx_outputs):
        raise RuntimeError(f'{len(torch_outputs)} PyTorch outputs but '
                           f'{len(onnx_outputs)} ONNX outputs')
    worst = 0.
    for t, o in zip(torch_outputs, onnx_outputs):
        t = t.detach().cpu().numpy()
        if t.shape != o.shape:
            raise RuntimeError(f'output shapes differ: PyTorch {t.shape}, '
                               f'ONNX Runtime {o.shape}')
        if t.size:
            worst = max(worst, float(np.abs(t.astype(np.float64) -
                                            o.astype(np.float64)).max()))
    return worst


def unmatched_detections(expected, got, score_thr: float = 0.3,
                         min_iou: float = 0.99,
                         score_tol: float = 1e-3) -> Tuple[int, int]:
    """Detections above ``score_thr`` on either side without a partner.

    Two detection graphs' outputs (``boxes``, ``scores``, ``labels``,
    ``batch_index``) agree when every detection scoring above
    ``score_thr`` on one side has a partner on the other: the same image
    and label, IoU above ``min_iou`` and a score within ``score_tol``. The
    order may differ (near-equal scores swap places across runtimes).

    Returns:
        tuple[int, int]: Detections without a partner, and detections
        compared (above ``score_thr``, both sides).
    """
    from torchvision.ops import box_iou
    sides = [[torch.as_tensor(np.asarray(
        t.detach().cpu() if isinstance(t, torch.Tensor) else t))
              for t in side] for side in (expected, got)]
    missing = compared = 0
    for a, b in (sides, sides[::-1]):
        overlap = box_iou(a[0].float(), b[0].float())
        for i, (score, label, image) in enumerate(zip(*a[1:])):
            if score <= score_thr:
                continue
            compared += 1
            partner = ((b[2] == label) & (b[3] == image) &
                       ((b[1] - score).abs() <= score_tol))
            if not (overlap[i][partner] > min_iou).any():
                missing += 1
    return missing, compared
