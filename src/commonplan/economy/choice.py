"""Choosing one technique per produced product: the structure every value and plan computation uses.

``TechniqueSystem`` holds the produced inputs of each technique per unit of its output
(a sparse techniques x produced-products matrix) and the grouping of techniques by output, so
that "the cheapest technique of every product at these prices" is one sparse product and one
segmented minimum, whatever the number of alternatives.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from commonplan.economy.model import Economy

ATTAINS = 1e-9  # a technique attains a value when within this relative distance of it (SPEC)


@dataclass(frozen=True, eq=False)
class TechniqueSystem:
    """The produced part of an economy, per unit of output.

    ``coefficients[t, j]``: units of produced product ``produced[j]`` that technique ``t``
    consumes per unit of its output; ``primary[t, k]``: likewise of primary product
    ``primary_products[k]``.  ``output_slot[t]``: the position in ``produced`` of t's output.
    """

    produced: np.ndarray
    primary_products: np.ndarray
    output_slot: np.ndarray
    coefficients: sp.csr_array
    primary: sp.csr_array
    by_output: np.ndarray  # techniques sorted by output slot, file order kept within a slot
    starts: np.ndarray  # where each slot's techniques begin in by_output

    @property
    def single(self) -> bool:
        """Whether every produced product has exactly one technique (no choice to make)."""
        return len(self.output_slot) == len(self.produced)

    def chosen(self, choice: np.ndarray) -> sp.csr_array:
        """A_c transposed: row j holds the produced inputs per unit of product j under ``choice``."""
        if len(choice) == self.coefficients.shape[0] and np.array_equal(choice, self._identity):
            return self.coefficients
        return self.coefficients[choice]

    @property
    def _identity(self) -> np.ndarray:
        return np.arange(len(self.output_slot))

    def cheapest(self, cost: np.ndarray, *, first_within: float = 0.0) -> tuple[np.ndarray,
                                                                               np.ndarray]:
        """Per produced product, the least ``cost`` of its techniques and the technique.

        The technique is the first in file order whose cost is within ``first_within``
        (relative) of the least.
        """
        if self.single:
            least = np.empty(len(self.produced))
            least[self.output_slot] = cost
            choice = np.empty(len(self.produced), np.int64)
            choice[self.output_slot] = np.arange(len(cost))
            return least, choice
        sorted_cost = cost[self.by_output]
        least = np.minimum.reduceat(sorted_cost, self.starts)
        counts = np.diff(np.append(self.starts, len(sorted_cost)))
        bound = np.repeat(least + first_within * np.abs(least), counts)
        attaining = sorted_cost <= bound
        seen = np.cumsum(attaining)
        before = np.repeat(np.concatenate(([0], seen))[self.starts], counts)
        first = attaining & (seen == before + 1)
        return least, self.by_output[first]


_systems: weakref.WeakKeyDictionary[Economy, TechniqueSystem] = weakref.WeakKeyDictionary()


def technique_system(economy: Economy) -> TechniqueSystem:
    """Arrange ``economy`` for technique choice (one pass over its inputs, kept per economy)."""
    if economy not in _systems:
        _systems[economy] = _arrange(economy)
    return _systems[economy]


def _arrange(economy: Economy) -> TechniqueSystem:
    produced, primary = economy.produced, economy.primary
    slot = np.full(len(economy.products), -1, np.int32)
    slot[produced] = np.arange(len(produced))
    techniques = economy.techniques
    output_slot = slot[techniques.outputs]
    per_technique = economy.inputs.T.tocsr()  # techniques x products
    if np.any(techniques.yields != 1):
        per_technique.data = per_technique.data / np.repeat(techniques.yields,
                                                            np.diff(per_technique.indptr))
    coefficients = _select_columns(per_technique, slot, len(produced))
    primary_slot = np.full(len(economy.products), -1, np.int32)
    primary_slot[primary] = np.arange(len(primary))
    by_output = np.argsort(output_slot, kind="stable")
    starts = np.searchsorted(output_slot[by_output], np.arange(len(produced)))
    return TechniqueSystem(produced, primary, output_slot, coefficients,
                           _select_columns(per_technique, primary_slot, len(primary)),
                           by_output, starts)


def _select_columns(matrix: sp.csr_array, slot: np.ndarray, width: int) -> sp.csr_array:
    """The columns of ``matrix`` with ``slot >= 0``, renumbered to ``slot``."""
    new_index = slot[matrix.indices]
    keep = new_index >= 0
    dropped = np.flatnonzero(~keep)
    if 2 * len(dropped) > len(keep):  # few kept: gather them
        kept = np.flatnonzero(keep)
        pointers = np.searchsorted(kept, matrix.indptr)
        data, indices = matrix.data[kept], new_index[kept]
    else:
        pointers = matrix.indptr - np.searchsorted(dropped, matrix.indptr)
        data, indices = (matrix.data[keep], new_index[keep]) if len(dropped) else \
            (matrix.data, new_index)
    selected = sp.csr_array((data, indices.astype(matrix.indices.dtype, copy=False),
                             pointers.astype(matrix.indptr.dtype, copy=False)),
                            shape=(matrix.shape[0], width))
    selected.has_sorted_indices = True
    return selected
