# Copyright (c) mmunirgbir contributors. All rights reserved.
"""The lab's cost-accuracy plot (issue #42)."""
import json

import pytest

from ..conftest import REAL_DATA_CHECKS, load_tool


def _tool():
    return load_tool('plot_cost_accuracy.py', REAL_DATA_CHECKS / 'tools')


def test_plots_every_point(tmp_path):
    points = tmp_path / 'points.json'
    points.write_text(json.dumps(dict(target=1.3, points=[
        dict(label='IR only', cost=1.0, clean=[0.3, 0.32], night=[0.38]),
        dict(label='two streams', cost=1.9, clean=[0.36], night=[0.36]),
    ])))
    tool = _tool()
    out = tmp_path / 'curve.png'
    tool.plot(tool.load_points(str(points)), str(out))
    assert out.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'


def test_a_point_without_scores_is_refused(tmp_path):
    points = tmp_path / 'points.json'
    points.write_text(json.dumps(dict(points=[
        dict(label='IR only', cost=1.0, clean=[0.3], night=[]),
        dict(label='two streams', cost=1.9, clean=[0.36])])))
    with pytest.raises(ValueError, match=r'points.json: point 0 \(IR only'):
        _tool().load_points(str(points))
