"""The built-in US 2017 economy made ready to plan: a labour force, capacities and priorities.

Derived from the BEA tables themselves (``reference.json`` beside the bundle):
- the labour force is the tables' own hours, compensation of employees divided by the
  average hourly compensation (the same rate that turns compensation into the bundle's hours);
- each commodity's technique can make at most its 2017 supply: its output q (the make
  table's column sum) plus its imports, since in the closed model domestic techniques stand
  in for imports; accounting entries with no supply (customs duties) are not limited;
- the year's needs are the bundle's (positive net final demand), in two priority tiers:
  the essentials (ESSENTIAL code prefixes) first, then all the rest.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from commonplan.economy.model import Economy

# Farming, food manufacturing, utilities, housing, education, health care and social assistance.
ESSENTIAL = ("111", "112", "311", "221", "531HSO", "531HST", "611", "62")


def planning_economy(economy: Economy, reference: dict[str, object]) -> Economy:
    """The built-in economy with its labour force, capacities and two tiers of needs."""
    ids = economy.products.ids.to_pylist()
    output = reference["supply_by_commodity_million_usd"]
    assert isinstance(output, dict)
    techniques = economy.techniques
    supply = np.array([output.get(ids[p], 0.0) for p in techniques.outputs], float)
    capacity = np.where(supply > 0, supply, np.inf)
    available = economy.available.copy()
    labour_hours = reference["labour_hours"]
    assert isinstance(labour_hours, int | float)
    available[economy.products.is_labour()] = float(labour_hours)
    essential = np.array([ids[p].startswith(ESSENTIAL) for p in economy.needs.products], bool)
    needs = replace(economy.needs, priorities=np.where(essential, 1, 2).astype(np.int64))
    return replace(economy, techniques=replace(techniques, capacities=capacity),
                   available=available, needs=needs)
