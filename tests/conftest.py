# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Shared test helpers.

Tests that read ``../shared`` (real RGB-IR samples and weights, which may not
be copied into the repository) skip when it is absent on a developer machine
and fail when ``CI=true``. Set ``MMUNIRGBIR_SHARED`` to use another location.
"""
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get('MMUNIRGBIR_SHARED', REPO.parent / 'shared'))
#: the experiments on the real data of ``../shared`` (configs, tools)
REAL_DATA_CHECKS = REPO / 'projects' / 'real_data_checks'


def pytest_configure(config):
    """Under pytest-xdist (``make test`` runs 2 workers) the workers share
    the cores: each worker, and every process it starts, gets its share of
    threads (two torch processes with all cores each slow each other many
    times over)."""
    workers = int(os.environ.get('PYTEST_XDIST_WORKER_COUNT', '1'))
    if workers > 1:
        import torch
        threads = max(1, len(os.sched_getaffinity(0)) // workers)
        for var in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
            os.environ[var] = str(threads)
        torch.set_num_threads(threads)


@pytest.fixture(autouse=True)
def keep_torch_threads():
    """Give every test the worker's torch thread count back: a tool's
    ``main()`` run in-process (``quantize.py --threads``) sets the count
    for the whole process, and the worker's later tests would then compete
    with the other worker for the cores and compute in another order."""
    import torch
    threads = torch.get_num_threads()
    yield
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)


def shared_path(relative: str) -> Path:
    """Return ``SHARED/relative``; skip (fail under CI) when it is missing."""
    path = SHARED / relative
    if not path.exists():
        msg = f'{path} is missing (needed test data from ../shared)'
        if os.environ.get('CI', '').lower() == 'true':
            pytest.fail(msg)
        pytest.skip(msg)
    return path


@pytest.fixture(scope='session')
def dinov2_weights() -> Path:
    return shared_path('weights/dinov2_vits14_imgfocus.pth')


def load_tool(relative: str, root: Path = REPO / 'tools'):
    """Import a script of ``tools/`` (or of ``root``; not a package) as a
    module."""
    import importlib.util
    path = root / relative
    spec = importlib.util.spec_from_file_location(path.stem, str(path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_random_checkpoint(config: str, path: str, meta=None) -> str:
    """Build ``config``'s model with seed 0 and save it in mmengine's
    checkpoint format; return ``path``."""
    import warnings

    import torch
    from mmengine.config import Config
    from mmengine.registry import MODELS, init_default_scope
    cfg = Config.fromfile(config)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        model = MODELS.build(cfg.model)
    torch.save(dict(state_dict=model.state_dict(), meta=meta or {}), path)
    return path
