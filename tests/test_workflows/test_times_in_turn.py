# Copyright (c) mmunirgbir contributors. All rights reserved.
"""benchmark_deploy.py's times_in_turn (also used by quantize.py)."""
from ..conftest import load_tool


def test_times_in_turn_calls_one_of_each_in_turn_after_the_warm_ups():
    calls = []

    def runner(name):
        def run():
            calls.append(name)
            return f'{name}{len(calls)}'
        return run

    tool = load_tool('analysis_tools/benchmark_deploy.py')
    times_in_turn = tool.times_in_turn
    outputs, times = times_in_turn({'a': runner('a'), 'b': runner('b')},
                                   runs=3, warmups=2)
    assert calls == ['a', 'a', 'b', 'b'] + ['a', 'b'] * 3
    assert outputs == {'a': 'a2', 'b': 'b4'}  # the last warm-up's
    assert {k: len(v) for k, v in times.items()} == {'a': 3, 'b': 3}
    assert all(t >= 0 for v in times.values() for t in v)
