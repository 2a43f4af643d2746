"""The in-memory economy: products and techniques indexed by position, inputs as a sparse matrix.

Ids are kept as Arrow string arrays (compact at a million products); everything else is
numpy.  Position ``i`` of every per-product array describes ``products.ids[i]``, in file
order; likewise for techniques.  The model is immutable: arrays are made read-only.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import scipy.sparse as sp


class Kind(enum.IntEnum):
    """What a product is; ``labour`` and ``resource`` products are primary (never produced)."""

    GOOD = 0
    SERVICE = 1
    LABOUR = 2
    RESOURCE = 3

    @property
    def label(self) -> str:
        return self.name.lower()


KIND_LABELS: tuple[str, ...] = tuple(kind.label for kind in Kind)


class Part(enum.IntEnum):
    """The part of the economy a need belongs to: the people vote each part's share of work
    (democracy.shares), and the plan keeps each part's needs within its share
    (planning.shares)."""

    CONSUMPTION = 0
    INVESTMENT = 1
    PUBLIC_SERVICES = 2

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", " ")


PART_LABELS: tuple[str, ...] = tuple(part.label for part in Part)


def _frozen(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


@dataclass(frozen=True, eq=False)
class Products:
    """Every product of the economy, in file order."""

    ids: pa.StringArray
    kinds: npt.NDArray[np.int8]  # values of Kind
    names: pa.StringArray | None = None  # nullable
    units: pa.StringArray | None = None  # nullable
    public: npt.NDArray[np.bool_] | None = None  # None = all false
    groups: pa.StringArray | None = None  # each product's category (null: none); None = no column

    def __post_init__(self) -> None:
        _frozen(self.kinds)
        if self.public is not None:
            _frozen(self.public)

    def __len__(self) -> int:
        return len(self.ids)

    def is_primary(self) -> npt.NDArray[np.bool_]:
        return self.kinds >= Kind.LABOUR

    def is_labour(self) -> npt.NDArray[np.bool_]:
        labour: npt.NDArray[np.bool_] = self.kinds == Kind.LABOUR  # ndarray.__eq__ is typed as object's
        return labour


@dataclass(frozen=True, eq=False)
class Techniques:
    """Ways of making products: one unit of activity of ``t`` yields ``yields[t]`` of ``outputs[t]``."""

    ids: pa.StringArray
    outputs: npt.NDArray[np.signedinteger[Any]]  # product positions (int32 read, int64 built)
    yields: npt.NDArray[np.float64]  # > 0
    capacities: npt.NDArray[np.float64]  # >= 0, inf = unlimited
    producers: pa.StringArray | None = None  # nullable

    def __post_init__(self) -> None:
        for array in (self.outputs, self.yields, self.capacities):
            _frozen(array)

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True, eq=False)
class Needs:
    """Rows of final demand: ``quantities[r]`` of product ``products[r]`` at ``priorities[r]``,
    for the part of the economy ``parts[r]`` (a :class:`Part`; all consumption when None)."""

    products: npt.NDArray[np.signedinteger[Any]]  # product positions (int32 read, int64 built)
    quantities: npt.NDArray[np.float64]  # >= 0
    priorities: npt.NDArray[np.int64]  # >= 1
    parts: npt.NDArray[np.int8] | None = None

    def __post_init__(self) -> None:
        for array in (self.products, self.quantities, self.priorities, self.parts):
            if array is not None:
                _frozen(array)

    def part_of_rows(self) -> npt.NDArray[np.int8]:
        """The part of every row (consumption where the needs name none)."""
        if self.parts is None:
            return np.full(len(self.products), Part.CONSUMPTION, np.int8)
        return self.parts

    def __len__(self) -> int:
        return len(self.products)

    @classmethod
    def empty(cls) -> Needs:
        return cls(np.zeros(0, np.int64), np.zeros(0), np.zeros(0, np.int64))

    def total(self, n_products: int) -> np.ndarray:
        """Final demand per product, all priorities added up."""
        return np.bincount(self.products, weights=self.quantities, minlength=n_products)


@dataclass(frozen=True)
class EconomyInfo:
    """The optional metadata of ``economy.toml``."""

    name: str | None = None
    period: str | None = None
    description: str | None = None
    source: str | None = None


@dataclass(frozen=True, eq=False)
class Economy:
    """An economy for one planning period.

    ``inputs`` is a CSC matrix of shape (products, techniques): ``inputs[p, t]`` is what one
    unit of activity of ``t`` consumes of ``p``.  ``available[p]`` is the per-period
    availability of a labour or resource product, ``inf`` where the bundle sets none.
    """

    products: Products
    techniques: Techniques
    inputs: sp.csc_array
    available: npt.NDArray[np.float64]
    needs: Needs = field(default_factory=Needs.empty)
    info: EconomyInfo = field(default_factory=EconomyInfo)

    def __post_init__(self) -> None:
        for array in (self.available, self.inputs.data, self.inputs.indices, self.inputs.indptr):
            _frozen(array)
        shape = (len(self.products), len(self.techniques))
        if self.inputs.shape != shape:
            raise ValueError(f"inputs has shape {self.inputs.shape}, expected {shape}")

    @property
    def produced(self) -> np.ndarray:
        """Positions of the produced products (goods and services with a technique), in file order."""
        has_technique = np.zeros(len(self.products), bool)
        has_technique[self.techniques.outputs] = True
        return np.flatnonzero(has_technique & ~self.products.is_primary())

    @property
    def primary(self) -> np.ndarray:
        """Positions of the labour and resource products, in file order."""
        return np.flatnonzero(self.products.is_primary())
