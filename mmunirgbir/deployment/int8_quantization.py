# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Post-training INT8 quantisation of an exported graph with NNCF, calibrated
on real pairs of a config's data set."""
import copy
from typing import List

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import DATASETS, MODELS, init_default_scope

from .openvino_features import graph_feed, input_dtype


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
    (those convolutions then ran in fp32, 15 % of the fit-check detector's
    INT8 time).

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
