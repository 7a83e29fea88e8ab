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


def load_tool(relative: str):
    """Import a script of ``tools/`` (not a package) as a module."""
    import importlib.util
    path = REPO / 'tools' / relative
    spec = importlib.util.spec_from_file_location(path.stem, str(path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
