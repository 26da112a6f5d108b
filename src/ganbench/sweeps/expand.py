"""A spec's cells and trials, in a fixed order: the same spec always gives the same list.

A *cell* is one combination of axis values (``mode: cross``: every combination, the first
axis varying slowest; ``mode: zip``: the i-th value of every axis together). A *trial* is a
cell with one training seed; every cell gets the same seeds.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from ganbench.errors import ConfigError
from ganbench.sweeps.naming import settings_label, trial_names
from ganbench.sweeps.spec import SweepSpec


@dataclass(frozen=True)
class Cell:
    index: int
    settings: dict[str, Any]

    @property
    def label(self) -> str:
        return settings_label(self.settings)


@dataclass(frozen=True)
class Trial:
    name: str
    cell: Cell
    seed: int


def cells(spec: SweepSpec) -> list[Cell]:
    keys = list(spec.axes)
    columns = [spec.axes[k] for k in keys]
    rows = zip(*columns, strict=True) if spec.mode == "zip" else itertools.product(*columns)
    return [Cell(i, dict(zip(keys, row, strict=True))) for i, row in enumerate(rows)]


def trials(spec: SweepSpec) -> list[Trial]:
    """Cell by cell, seeds in the order listed."""
    pairs = [(cell, seed) for cell in cells(spec) for seed in spec.seeds]
    names = trial_names([(cell.settings, seed) for cell, seed in pairs])
    return [Trial(name, cell, seed) for name, (cell, seed) in zip(names, pairs, strict=True)]


def baseline_cell(spec: SweepSpec, all_cells: list[Cell]) -> Cell:
    """The cell every other is compared with: ``baseline:`` or the first cell."""
    if spec.baseline is None:
        return all_cells[0]
    for cell in all_cells:
        if cell.settings == spec.baseline:
            return cell
    raise ConfigError(
        f"sweep {spec.name}: baseline {settings_label(spec.baseline)} is not one of the cells: "
        + "; ".join(c.label for c in all_cells)
    )
