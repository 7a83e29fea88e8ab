# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Timing several runtimes of one computation side by side."""
import time
from typing import Any, Callable, Dict, List, Tuple


def times_in_turn(runners: Dict[str, Callable[[], Any]],
                  runs: int,
                  warmups: int = 2
                  ) -> Tuple[Dict[str, Any], Dict[str, List[float]]]:
    """Seconds of each of ``runners`` (name -> function of no arguments),
    ``runs`` times, one call of each in turn, so that a slower or faster
    spell of the machine falls on all of them, after ``warmups`` calls of
    each.

    Returns:
        tuple[dict, dict[str, list[float]]]: Each runner's output of its
        last warm-up, and its times in seconds.
    """
    outputs = {}
    for name, fn in runners.items():
        for _ in range(warmups):
            outputs[name] = fn()
    times = {name: [] for name in runners}
    for _ in range(runs):
        for name, fn in runners.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return outputs, times
