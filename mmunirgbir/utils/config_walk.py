# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Visit every dict of a nested config (model, data set, wrappers)."""
from typing import Callable


def visit_dicts(node, fn: Callable[[dict], None]) -> None:
    """Call ``fn`` on every dict inside ``node`` (dicts, lists, tuples),
    parents before their children; ``fn`` may change the dict in place."""
    if isinstance(node, dict):
        fn(node)
        for value in node.values():
            visit_dicts(value, fn)
    elif isinstance(node, (list, tuple)):
        for value in node:
            visit_dicts(value, fn)
