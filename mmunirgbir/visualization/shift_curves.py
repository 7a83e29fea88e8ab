# Copyright (c) mmunirgbir contributors. All rights reserved.
"""The metric against the IR shift: one curve per model."""
import math
from typing import Dict, List, Tuple

from mmunirgbir.evaluation import condition_shift


def shift_curve(results: Dict[str, Dict[str, float]],
                metric: str) -> List[Tuple[float, float]]:
    """(|shift| in pixels, metric) of the ``clean`` (0 px) and
    ``ir_shift_*`` conditions, by shift; several conditions of one length
    (e.g. 8 px left and right) are averaged."""
    points: Dict[float, List[float]] = {}
    for name, row in results.items():
        shift = condition_shift(name)
        if shift is None:
            continue
        px = math.hypot(*shift)
        if metric not in row:
            raise ValueError(f'no metric {metric!r} in the results (have '
                             f'{sorted(row)})')
        points.setdefault(px, []).append(row[metric])
    return [(px, sum(v) / len(v)) for px, v in sorted(points.items())]


def plot_shift_curves(runs: Dict[str, Dict[str, Dict[str, float]]],
                      metric: str, path: str) -> None:
    """One curve of ``metric`` against the IR shift per labelled run."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 4))
    for label, results in runs.items():
        curve = shift_curve(results, metric)
        if len(curve) < 2:
            raise ValueError(f'{label}: the plot needs clean and at least '
                             'one ir_shift_<k> condition')
        ax.plot(*zip(*curve), marker='o', label=label)
    ax.set_xlabel('IR shifted against RGB (pixels)')
    ax.set_ylabel(metric)
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
