# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Let MMEngine's distributed launchers also run on CPU-only machines."""
import torch
import torch.distributed as dist
from mmengine.config import Config


def setup_cpu_distributed(cfg: Config, launcher: str) -> bool:
    """Prepare a CPU-only distributed run (gloo) that mmengine can drive.

    MMEngine's ``pytorch`` launcher assumes GPUs: it calls
    ``torch.cuda.set_device`` and wraps DDP with ``device_ids``. Without a GPU
    this initialises the process group with gloo itself (mmengine then skips
    its own initialisation) and asks for a DDP wrapper without device ids.
    With a GPU, or without a launcher, it does nothing.

    Args:
        cfg (Config): The run's config, updated in place.
        launcher (str): The ``--launcher`` argument.

    Returns:
        bool: Whether the CPU set-up was applied.
    """
    if launcher == 'none' or torch.cuda.is_available():
        return False
    cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})['backend'] = \
        'gloo'
    if not dist.is_initialized():
        dist.init_process_group(backend='gloo')
    cfg.setdefault(
        'model_wrapper_cfg',
        dict(
            type='MMDistributedDataParallel',
            device_ids=None,
            broadcast_buffers=False))
    return True
