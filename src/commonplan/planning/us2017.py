"""The built-in US 2017 economy made ready to plan: a labour force, capacities and priorities.

- the labour force is the hours people were published to have worked (``LABOUR_FORCE_HOURS``
  below, cited there), a count of hours rather than the tables' own figure (compensation of
  employees over the average hourly compensation, 295.8 billion), which is an amount of pay;

The rest is derived from the BEA tables themselves (``reference.json`` beside the bundle):
- each commodity's technique can make at most its 2017 supply: its output q (the make
  table's column sum) plus its imports, since in the closed model domestic techniques stand
  in for imports; accounting entries with no supply (customs duties) are not limited;
- the year's needs are the bundle's (positive net final demand), in two priority tiers:
  the essentials (ESSENTIAL code prefixes) first, then all the rest;
- each commodity's technique is run by one workplace named after the industry that makes it
  (the commodity's name, "Grain farming"), so that a round's targets go to workplaces a council
  can claim, and execution can be reported and watched workplace by workplace.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pyarrow as pa

from commonplan.economy.model import Economy

# Hours worked by full-time and part-time employees in the United States, 254,165 million in
# 2018: BEA, National Income and Product Accounts, Table 6.9D, line 1 (series B4701C, published
# as FRED/ALFRED B4701C0A222NBEA, vintage 2022-10-06, millions of hours, annual). That vintage
# begins in 2018; it is the nearest year to the tables' 2017 we could consult, and the series
# moves by one or two percent a year (257,352 million in 2019).
LABOUR_FORCE_HOURS = 254_165e6
LABOUR_FORCE_SOURCE = ("BEA NIPA Table 6.9D line 1, hours worked by full-time and part-time "
                       "employees, 2018 (FRED B4701C0A222NBEA)")

# Farming, food manufacturing, utilities, housing, education, health care and social assistance.
ESSENTIAL = ("111", "112", "311", "221", "531HSO", "531HST", "611", "62")


def planning_economy(economy: Economy, reference: dict[str, object]) -> Economy:
    """The built-in economy with its labour force, capacities, two tiers of needs and a
    workplace per industry."""
    ids = economy.products.ids.to_pylist()
    output = reference["supply_by_commodity_million_usd"]
    assert isinstance(output, dict)
    techniques = economy.techniques
    supply = np.array([output.get(ids[p], 0.0) for p in techniques.outputs], float)
    capacity = np.where(supply > 0, supply, np.inf)
    available = economy.available.copy()
    available[economy.products.is_labour()] = LABOUR_FORCE_HOURS
    essential = np.array([ids[p].startswith(ESSENTIAL) for p in economy.needs.products], bool)
    needs = replace(economy.needs, priorities=np.where(essential, 1, 2).astype(np.int64))
    names = economy.products.names.to_pylist() if economy.products.names is not None else ids
    producers = pa.array([names[p] or ids[p] for p in techniques.outputs], pa.string())
    return replace(economy, techniques=replace(techniques, capacities=capacity, producers=producers),
                   available=available, needs=needs)
