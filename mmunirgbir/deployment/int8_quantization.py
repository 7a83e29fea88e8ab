# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Post-training INT8 quantisation of an exported graph with NNCF, calibrated
on real pairs of a config's data set."""
import copy
from typing import Dict, List

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import DATASETS, MODELS, init_default_scope


def graph_feed(inputs: torch.Tensor, mean: torch.Tensor, std: torch.Tensor,
               dtype=np.float32) -> Dict[str, np.ndarray]:
    """The inputs of an exported graph that give back ``inputs``, the
    normalised (B, 6, H, W) batch of an RGB-IR data preprocessor (its padding
    included: zeros there are the mean pixel): raw 0-255 ``rgb``
    (B, 3, H, W) in RGB order and grey ``ir`` (B, 1, H, W), as ``dtype``
    (uint8 rounded)."""
    raw = inputs.detach().float().cpu() * std.view(1, 6, 1, 1) + mean.view(
        1, 6, 1, 1)
    feed = dict(rgb=raw[:, :3].numpy(), ir=raw[:, 3:4].numpy())
    if np.dtype(dtype) == np.uint8:
        return {k: np.clip(np.rint(v), 0, 255).astype(np.uint8)
                for k, v in feed.items()}
    return {k: v.astype(dtype) for k, v in feed.items()}


def input_dtype(model) -> type:
    """numpy dtype of the ``rgb`` input of an OpenVINO (compiled) model."""
    inputs = {i.get_any_name(): i for i in model.inputs}
    if set(inputs) != {'rgb', 'ir'}:
        raise ValueError(f'the graph takes {sorted(inputs)}; a graph of '
                         'pytorch2onnx.py takes rgb and ir')
    return np.uint8 if inputs['rgb'].get_element_type().to_dtype(
    ) == np.uint8 else np.float32


def calibration_batches(cfg: Config, num: int,
                        split: str = 'train') -> List[torch.Tensor]:
    """Up to ``num`` real pairs of the config's ``split`` data set, spread
    evenly over it, each as the model input it gets at test time: the test
    pipeline (no augmentation), then the model's data preprocessor.

    Returns:
        list[Tensor]: (1, 6, H, W) normalised batches.
    """
    if num < 1:
        raise ValueError(f'the number of calibration pairs must be >= 1, '
                         f'got {num}')
    loader = cfg.get(f'{split}_dataloader')
    if not loader or 'pipeline' not in loader.get('dataset', {}):
        raise ValueError(f'{cfg.filename}: {split}_dataloader.dataset with a '
                         'pipeline is needed for calibration pairs')
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    ds_cfg = copy.deepcopy(loader.dataset)
    ds_cfg.pipeline = copy.deepcopy(cfg.test_dataloader.dataset.pipeline)
    # an empty set then has length 0 (serialising it raises a numpy error)
    ds_cfg.serialize_data = False
    dataset = DATASETS.build(ds_cfg)
    if len(dataset) == 0:
        raise ValueError(f'{cfg.filename}: the {split} data set has no pairs '
                         'to calibrate on')
    preprocessor = MODELS.build(cfg.model.data_preprocessor)
    picks = np.unique(
        np.linspace(0, len(dataset) - 1, min(num, len(dataset))).round())
    with torch.no_grad():
        return [
            preprocessor(pseudo_collate([dataset[int(i)]]),
                         False)['inputs'] for i in picks
        ]


def quantize_int8(model, batches: List[torch.Tensor], mean, std):
    """NNCF post-training INT8 quantisation (transformer preset) of an
    OpenVINO model of ``pytorch2onnx.py`` (inputs ``rgb``, ``ir``),
    calibrated on normalised batches (:func:`calibration_batches`) with the
    data preprocessor's ``mean`` and ``std``.

    Constants are folded first (on a copy of ``model``): the exporter leaves
    a batch norm folded into a convolution as a product of two constants on
    the weight path, and NNCF only quantises a weight that is one constant
    (those convolutions would stay in fp32).

    Returns:
        openvino.Model: The quantised model.
    """
    import nncf
    from openvino.passes import ConstantFolding, Manager
    if not batches:
        raise ValueError('no calibration pairs')
    model = model.clone()
    passes = Manager()
    passes.register_pass(ConstantFolding())
    passes.run_passes(model)
    dtype = input_dtype(model)
    mean = torch.as_tensor(mean, dtype=torch.float32).flatten()
    std = torch.as_tensor(std, dtype=torch.float32).flatten()
    dataset = nncf.Dataset(batches,
                           lambda x: graph_feed(x, mean, std, dtype))
    return nncf.quantize(
        model,
        dataset,
        subset_size=len(batches),
        model_type=nncf.ModelType.TRANSFORMER)
