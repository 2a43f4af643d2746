"""Choosing one technique per produced product: the structure every value and plan computation uses.

``TechniqueSystem`` holds what each technique consumes, as a sparse techniques x products
matrix indexed by product position (primary products included), its yields, and the
grouping of techniques by output, so that "the cheapest technique of every product at these
prices" is one sparse product and one segmented minimum, whatever the number of alternatives.
Vectors of prices or quantities run over all products; entries of products that are not
produced (labour, resources, goods nobody makes) are zero where they enter a system.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from commonplan.economy.model import Economy

ATTAINS = 1e-9  # a technique attains a value when within this relative distance of it (SPEC)


@dataclass(frozen=True, eq=False)
class TechniqueSystem:
    """An economy per unit of output.

    ``activity[t, p]``: units of product ``p`` that one unit of activity of technique ``t``
    consumes (the bundle's inputs, shared, not copied); its last row is empty, the stand-in
    technique ``none`` of products not produced.  Dividing by the yield, applied to vectors
    (``per_output``) rather than to the 24 million coefficients, gives inputs per unit of output.
    ``labour[t]``: direct labour hours per unit of output (every kind, hour for hour).
    """

    produced: np.ndarray  # positions of produced products
    outputs: np.ndarray  # product position of each technique
    activity: sp.csr_array  # (techniques + 1) x products
    per_yield: np.ndarray  # 1 / yield of each technique, and 1 for ``none``
    labour: np.ndarray  # techniques + 1
    by_output: np.ndarray  # techniques sorted by output, file order kept within a product
    starts: np.ndarray  # where each produced product's techniques begin in by_output

    @property
    def none(self) -> int:
        """The row of the empty stand-in technique."""
        return len(self.outputs)

    @cached_property
    def by_product(self) -> sp.csr_array:
        """``activity`` transposed (products x techniques), built once on first use: a product
        through CSR rows is a third faster than through the transposed view's CSC (11.8 ms
        against 8.2 ms at 10^5 products), and transposed products are most of an exact
        plan's solves."""
        transposed: sp.csr_array = self.activity.T.tocsr()
        return transposed

    @property
    def single(self) -> bool:
        """Whether every produced product has exactly one technique (no choice to make)."""
        return len(self.outputs) == len(self.produced)

    def per_output(self, prices: np.ndarray) -> np.ndarray:
        """What the inputs of each technique cost per unit of its output, at ``prices``."""
        cost: npt.NDArray[np.float64] = (self.activity @ prices) * self.per_yield
        return cost

    def chosen(self, choice: np.ndarray) -> ChosenInputs:
        """A_c transposed (products x products): row p holds the inputs per unit of p under ``choice``."""
        return ChosenInputs(self, choice)

    def chosen_inputs(self, choice: np.ndarray, products: np.ndarray | None = None) -> sp.csr_array:
        """Per unit of each product under ``choice``, its inputs (of ``products`` only, if given)."""
        rows = self.activity[choice]
        return sp.diags_array(self.per_yield[choice]) @ (rows if products is None else
                                                        rows[:, products])

    def cheapest(self, cost: np.ndarray, *, first_within: float = 0.0) -> tuple[np.ndarray,
                                                                               np.ndarray]:
        """Per product, the least ``cost`` of its techniques and the technique (``none`` and 0
        where not produced); among techniques within ``first_within`` (relative) of the least,
        the first in file order."""
        n = self.activity.shape[1]
        least, choice = np.zeros(n), np.full(n, self.none, np.int64)
        if self.single:
            least[self.outputs] = cost[: self.none]
            choice[self.outputs] = np.arange(self.none)
            return least, choice
        sorted_cost = cost[self.by_output]
        lowest = np.minimum.reduceat(sorted_cost, self.starts)
        counts = np.diff(np.append(self.starts, len(sorted_cost)))
        attaining = sorted_cost <= np.repeat(lowest + first_within * np.abs(lowest), counts)
        seen = np.cumsum(attaining)
        before = np.repeat(np.concatenate(([0], seen))[self.starts], counts)
        least[self.produced] = lowest
        choice[self.produced] = self.by_output[attaining & (seen == before + 1)]
        return least, choice


@dataclass(frozen=True, eq=False)
class ChosenInputs:
    """The rows ``choice`` of a technique system, per unit of output, applied without copying."""

    system: TechniqueSystem
    choice: np.ndarray
    transposed: bool = False

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.choice), len(self.choice)

    @property
    def T(self) -> ChosenInputs:
        return ChosenInputs(self.system, self.choice, not self.transposed)

    def __matmul__(self, x: np.ndarray) -> npt.NDArray[np.float64]:
        if not self.transposed:
            chosen: npt.NDArray[np.float64] = self.system.per_output(x)[self.choice]
            return chosen
        spread = np.zeros(self.system.activity.shape[0])
        spread[self.choice] = x  # products not produced land on the empty last row
        product: npt.NDArray[np.float64] = self.system.by_product @ (spread * self.system.per_yield)
        return product

    def tocsr(self) -> sp.csr_array:
        """The matrix itself, for a factorisation."""
        rows = self.system.chosen_inputs(self.choice).tocsr()
        return rows.T.tocsr() if self.transposed else rows


_systems: weakref.WeakKeyDictionary[Economy, TechniqueSystem] = weakref.WeakKeyDictionary()


def technique_system(economy: Economy) -> TechniqueSystem:
    """Arrange ``economy`` for technique choice (one pass over its inputs, kept per economy)."""
    if economy not in _systems:
        _systems[economy] = _arrange(economy)
    return _systems[economy]


def _arrange(economy: Economy) -> TechniqueSystem:
    techniques = economy.techniques
    per_technique = economy.inputs.T  # techniques x products (CSR, sharing the arrays)
    pointers = np.append(per_technique.indptr, per_technique.indptr[-1])  # the empty row
    activity = sp.csr_array((per_technique.data, per_technique.indices, pointers),
                            shape=(len(techniques) + 1, len(economy.products)))
    per_yield = np.append(1 / techniques.yields, 1.0)
    labour = (activity @ economy.products.is_labour().astype(float)) * per_yield
    produced = economy.produced
    by_output = np.argsort(techniques.outputs, kind="stable")
    starts = np.searchsorted(techniques.outputs[by_output], produced)
    return TechniqueSystem(produced, techniques.outputs, activity, per_yield, labour, by_output,
                           starts)
