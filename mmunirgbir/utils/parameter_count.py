# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Trainable vs frozen parameters per module."""
from typing import List, NamedTuple

import torch.nn as nn


class ParamRow(NamedTuple):
    """One module's parameter counts."""
    name: str
    depth: int
    trainable: int
    frozen: int

    @property
    def total(self) -> int:
        return self.trainable + self.frozen


def count_parameters(module: nn.Module) -> ParamRow:
    """Counts of ``module`` (shared parameters counted once)."""
    seen, trainable, frozen = set(), 0, 0
    for p in module.parameters():
        if id(p) in seen:
            continue
        seen.add(id(p))
        if p.requires_grad:
            trainable += p.numel()
        else:
            frozen += p.numel()
    return ParamRow('', 0, trainable, frozen)


def parameter_table(model: nn.Module, max_depth: int = 2) -> List[ParamRow]:
    """Rows for the model and its submodules down to ``max_depth``.

    Direct parameters of a module (e.g. ``level_embed``) get their own row.
    """
    rows = [count_parameters(model)._replace(name='(total)')]

    def visit(module: nn.Module, prefix: str, depth: int) -> None:
        if depth > max_depth:
            return
        for name, param in module.named_parameters(recurse=False):
            t = param.numel() if param.requires_grad else 0
            rows.append(
                ParamRow(prefix + name, depth, t, param.numel() - t))
        for name, child in module.named_children():
            row = count_parameters(child)
            if row.total == 0:
                continue
            rows.append(row._replace(name=prefix + name, depth=depth))
            visit(child, prefix + name + '.', depth + 1)

    visit(model, '', 1)
    return rows
