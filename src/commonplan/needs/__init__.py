"""Needs discovery: what people will need, learnt from sales, empty shelves and requests."""

from commonplan.needs.assortment import Variants, read_variants, split_by_variant, with_observed_shares
from commonplan.needs.discover import Moved, NeedsEstimate, People, discover_needs
from commonplan.needs.estimate import Fit, Forecast, History, estimate, fit, forecast
from commonplan.needs.feedback import Adjustment, FeedbackRule, Signals
from commonplan.needs.privacy import DEFAULT_K, KEY_VARIABLE, Pseudonymiser, suppress_small
from commonplan.needs.scenarios import SCENARIOS, Scenario, scenario
from commonplan.needs.simulate import Shoppers, Simulation, Truth, simulate

__all__ = [
                  "DEFAULT_K",
                  "KEY_VARIABLE",
                  "SCENARIOS",
                  "Adjustment",
                  "FeedbackRule",
                  "Fit",
                  "Forecast",
                  "History",
                  "Moved",
                  "NeedsEstimate",
                  "People",
                  "Pseudonymiser",
                  "Scenario",
                  "Shoppers",
                  "Signals",
                  "Simulation",
                  "Truth",
                  "Variants",
                  "discover_needs",
                  "estimate",
                  "fit",
                  "forecast",
                  "read_variants",
                  "scenario",
                  "simulate",
                  "split_by_variant",
                  "suppress_small",
                  "with_observed_shares",
]
