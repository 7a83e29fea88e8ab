# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Cost against accuracy of the fusion modes (issue #42): one point per
model, inference time relative to the paper mode (x) against its mAP50
over all pairs (dot) and at night (cross), means over its seeds.

    python projects/real_data_checks/tools/plot_cost_accuracy.py \\
        projects/real_data_checks/reports/results/cost_accuracy_msrs_dev.json \\
        --out projects/real_data_checks/reports/figures/cheaper_fusion.png

The JSON file holds ``{"target": 1.3, "points": [{"label", "cost",
"clean": [per seed], "night": [per seed]}, ...]}``: the costs are
``benchmark.py`` ratios, the scores generalisation-check results (the
reports say which runs).
"""
import argparse
import json
import statistics

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402


def load_points(path: str) -> dict:
    """The file's target and points; an error names the file and the
    point that lacks a field."""
    with open(path) as f:
        data = json.load(f)
    for i, point in enumerate(data.get('points', [])):
        missing = {'label', 'cost', 'clean', 'night'} - set(point)
        if missing or not point['clean'] or not point['night']:
            raise ValueError(f'{path}: point {i} ({point.get("label")}) '
                             f'lacks {sorted(missing) or "scores"}')
    return data


def plot(data: dict, out: str) -> None:
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for point in data['points']:
        clean = statistics.mean(point['clean'])
        night = statistics.mean(point['night'])
        dots = ax.plot(point['cost'], clean, 'o')[0]
        ax.plot(point['cost'], night, 'x', color=dots.get_color())
        seeds = len(point['clean'])
        ax.annotate(f"{point['label']} ({seeds} seed{'s' * (seeds > 1)})",
                    (point['cost'], clean), textcoords='offset points',
                    xytext=(6, 4), fontsize=8)
    if data.get('target'):
        ax.axvline(data['target'], color='tab:red', ls='--', lw=1)
        ax.annotate(f"{data['target']}x target", (data['target'], 0),
                    xycoords=('data', 'axes fraction'), xytext=(3, 6),
                    textcoords='offset points', color='tab:red', fontsize=8)
    # room for the labels right of the costliest point
    ax.set_xlim(0.9, max(p['cost'] for p in data['points']) + 0.6)
    ax.set_xlabel('inference time / paper mode (ViT-B/16, 640x512, CPU)')
    ax.set_ylabel('mAP50, msrs_dev val (dots: all pairs, x: night)')
    ax.set_title('Cost against accuracy, mean over seeds')
    fig.tight_layout()
    fig.savefig(out, dpi=100)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('points', help='JSON file of measured points')
    parser.add_argument('--out', required=True, help='.png to write')
    args = parser.parse_args()
    plot(load_points(args.points), args.out)
    print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
