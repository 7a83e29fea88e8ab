# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Test helper imported by the DDP test's config (custom_imports)."""
import os.path as osp

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS


@HOOKS.register_module()
class DumpTrainableWeightsHook(Hook):
    """Save every rank's trainable parameters when training ends."""

    def after_run(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        state = {
            n: p.detach().cpu().clone()
            for n, p in model.named_parameters() if p.requires_grad
        }
        torch.save(
            dict(state=state, iter=runner.iter,
                 wrapper=type(runner.model).__name__),
            osp.join(runner.work_dir, f'trainable_rank{runner.rank}.pth'))
