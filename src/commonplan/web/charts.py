"""What the job page draws of a result (a SPEC document): for each chart its title, the bars'
labels and numbers, and the unit. The page puts them in as JSON and static/charts.js draws them
with Plotly; the same numbers are listed in a table beside each chart, for screen readers."""

from typing import Any

TOP = 20  # bars of a "largest" chart at most


def charts_of(kind: str, document: dict[str, Any]) -> list[dict[str, Any]]:
    """The charts of a values, requirements or plan document."""
    if kind == "values":
        return [chart("values", f"Labour values: the {TOP} products with most hours per unit",
                      largest(document.get("values", {})), "hours per unit")]
    if kind == "requirements":
        return [chart("gross-output", f"Gross output: the {TOP} largest", largest(document["gross_output"]),
                      "units"),
                chart("use", "Use of labour and resources", largest(document["use"]), "units")]
    fulfilment = {f"Tier {tier}": 100 * share for tier, share in document["fulfilment"].items()}
    binding = document["binding"]
    binds = {**{f"resource {product}": document["shadow_prices"].get(product, 0.0)
                for product in binding["resources"]},
             **{f"capacity {technique}": document["capacity_prices"].get(technique, 0.0)
                for technique in binding["capacities"]}}
    return [chart("fulfilment", "Fulfilment per priority tier", fulfilment, "%", across=True,
                  upto=max(100.0, *fulfilment.values()) if fulfilment else 100.0),
            chart("activity", f"The {TOP} largest activities", largest(document["activity"]), "runs"),
            chart("net-output", f"The {TOP} largest net outputs", largest(document["net_output"]), "units"),
            chart("binding", "What binds: the price of each binding resource and capacity", binds,
                  "shadow price", empty="Nothing binds: every resource and capacity has room to spare."),
            chart("shadow-prices", "Shadow prices of labour and resources",
                  largest({key: price for key, price in document["shadow_prices"].items() if price}),
                  "shadow price", empty="Every shadow price is zero: neither labour nor any resource "
                                        "is scarce for this plan.")]


def chart(key: str, title: str, bars: dict[str, float], unit: str, *, across: bool = False,
          upto: float | None = None, empty: str = "Nothing to show.") -> dict[str, Any]:
    """One bar chart: vertical bars ``across`` the page (tiers), horizontal ones otherwise (many
    labels, the largest on top); ``upto`` fixes the axis's end (100% for fulfilment)."""
    return {"id": f"chart-{key}", "title": title, "labels": list(bars), "values": list(bars.values()),
            "unit": unit, "orientation": "v" if across else "h", "upto": upto, "empty": empty}


def largest(numbers: dict[str, float | None]) -> dict[str, float]:
    """The TOP numbers of largest magnitude, largest first."""
    known = [(key, value) for key, value in numbers.items() if value is not None]
    return dict(sorted(known, key=lambda item: abs(item[1]), reverse=True)[:TOP])


def number(value: float | None) -> str:
    """A number as people read it in a table: 1,234,568 or 0.45 or 1.2e-07."""
    if value is None:
        return "n/a"
    if value == 0 or abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.4g}" if abs(value) < 1e-3 else f"{value:,.4f}".rstrip("0").rstrip(".")
