"""What the pages draw of a result (a SPEC document) and of plan variants compared: for each chart
its title, the bars' labels (names people read, never bare ids), their numbers and the unit. The
page puts them in as JSON and static/charts.js draws them with Plotly; the same numbers are
listed in a table beside each chart, for screen readers, rounded for people (the downloads keep
them exact).

Labour and resources are charted apart from products, and labour apart from resources: a plan's
hours of work would swamp its loaves of bread on one axis."""

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from commonplan.planning.compare import Names

TOP = 20  # bars of a "largest" chart at most
NO_NAMES = Names({}, {})


def charts_of(kind: str, document: dict[str, Any], names: Names = NO_NAMES) -> list[dict[str, Any]]:
    """The charts of a values, requirements or plan document, labelled by ``names``."""
    product = _product_label(names)
    if kind == "values":
        return [chart("values", f"Labour values: the {TOP} products with most hours per unit",
                      named(largest(document.get("values", {})), product), "hours per unit")]
    if kind == "requirements":
        return [chart("gross-output", f"Gross output: the {TOP} largest",
                      named(largest(document["gross_output"]), product), "units (each named)"),
                *use_charts(document["use"], names)]
    return plan_charts(document, names)


def plan_charts(document: dict[str, Any], names: Names) -> list[dict[str, Any]]:
    """A plan's charts: fulfilment per tier, the parts' labour when shares were voted, the
    products made, the labour and resources used, the activities, what binds and the prices."""
    product = _product_label(names)
    fulfilment = {f"Tier {tier}": 100 * share for tier, share in document["fulfilment"].items()}
    use = document.get("use", {})
    made = {key: value for key, value in document["net_output"].items() if key not in use}
    return [chart("fulfilment", "Fulfilment per priority tier", fulfilment, "%", across=True, axis="Tier",
                  upto=max(100.0, *fulfilment.values()) if fulfilment else 100.0),
            *parts_chart((document.get("variant") or {}).get("parts") or {}),
            chart("net-output", f"Goods and services: the {TOP} largest net outputs",
                  named(largest(made), product), "units (each named)"),
            *use_charts(use, names),
            chart("activity", f"The {TOP} largest activities: what each workplace makes",
                  named(largest(document["activity"]), names.technique), "runs", axis="Technique"),
            chart("binding", "What binds: the price of each binding resource and capacity",
                  binding(document, names), "shadow price", axis="Limit",
                  empty="Nothing binds: every resource and capacity has room to spare."),
            chart("shadow-prices", "Shadow prices of labour and resources",
                  named(largest({key: price for key, price in document["shadow_prices"].items() if price}),
                        product), "shadow price",
                  empty="Every shadow price is zero: neither labour nor any resource is scarce for "
                        "this plan.")]


def use_charts(use: Mapping[str, float], names: Names) -> list[dict[str, Any]]:
    """The labour used (hours) and the resources used (each in its unit), in charts apart."""
    product = _product_label(names)
    labour = {key: value for key, value in use.items() if names.labour(key)}
    resources = {key: value for key, value in use.items() if key not in labour}
    return [chart("labour", "Labour used", named(largest(labour), product), "hours",
                  empty="No kind of labour is used."),
            chart("resources", "Resources used", named(largest(resources), product), "units (each named)",
                  empty="No resource is used.")]


def parts_chart(parts: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each part's labour budget (its voted share of the labour force) and the hours its needs
    claimed, when the plan was made within voted shares (none otherwise)."""
    if not parts:
        return []
    return [chart("parts", "The shares of work: each part's budget of hours and what its needs claimed",
                  {}, "hours", across=True, axis="Part", labels=list(parts),
                  series={"budget": [part.get("budget_hours") for part in parts.values()],
                          "claimed": [part.get("claimed_hours") for part in parts.values()]})]


def binding(document: Mapping[str, Any], names: Names) -> dict[str, float]:
    """The price of each binding resource and capacity, by name."""
    limits = document["binding"]
    return unique([*((names.product(p).label, document["shadow_prices"].get(p, 0.0))
                     for p in limits["resources"]),
                   *((_capital(names.capacity(t).label), document["capacity_prices"].get(t, 0.0))
                     for t in limits["capacities"])])


def compared_charts(compared: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Plan variants side by side (the JSON of planning.compare.Comparison): labour per plan,
    fulfilment per tier per plan, what binds in each with its price, the parts' claims when
    shares were voted, and the products whose net output differs most."""
    variants = compared.get("variants", [])
    if not variants:
        return []
    plans = {variant["job"]: f"Plan of job {variant['job']}" for variant in variants}
    tiers = sorted({tier for variant in variants for tier in variant["fulfilment"]}, key=_tier_order)
    return [chart("compared-labour", "Labour of each plan",
                  {plans[v["job"]]: v["labour_hours"] for v in variants}, "hours", across=True, axis="Plan"),
            chart("compared-fulfilment", "Fulfilment per priority tier, plan by plan", {}, "%",
                  across=True, axis="Tier", upto=100.0, labels=[f"Tier {tier}" for tier in tiers],
                  series={plans[v["job"]]: [_percent(v["fulfilment"].get(tier)) for tier in tiers]
                          for v in variants}),
            _compared_binding(variants, plans),
            *_compared_parts(variants, plans),
            _compared_differences(compared.get("differences", []), variants, plans)]


def _compared_binding(variants: list[dict[str, Any]], plans: Mapping[int, str]) -> dict[str, Any]:
    prices: dict[str, dict[int, float | None]] = {}
    for variant in variants:
        limits = variant["binding"]
        for resource in limits["resources"]:
            prices.setdefault(_label(resource), {})[variant["job"]] = resource.get("price")
        for capacity in limits["capacities"]:
            where = capacity.get("producer") or capacity["technique"]
            prices.setdefault(f"The capacity to make {capacity['name']} ({where})", {})[
                variant["job"]] = capacity.get("price")
    return chart("compared-binding", "What binds in each plan, and its price (no bar where it does not "
                 "bind)", {}, "shadow price", axis="Limit", labels=list(prices),
                 series={plans[v["job"]]: [prices[limit].get(v["job"]) for limit in prices]
                         for v in variants},
                 empty="Nothing binds in any plan: every limit has room to spare.")


def _compared_parts(variants: list[dict[str, Any]], plans: Mapping[int, str]) -> list[dict[str, Any]]:
    parts = list(dict.fromkeys(part for v in variants for part in v.get("parts") or {}))
    if not parts:
        return []
    return [chart("compared-parts", "The shares of work: the hours each part's needs claim, plan by plan",
                  {}, "hours", across=True, axis="Part", labels=parts,
                  series={plans[v["job"]]: [((v.get("parts") or {}).get(part) or {}).get("claimed_hours")
                                            for part in parts] for v in variants})]


def _compared_differences(differences: list[dict[str, Any]], variants: list[dict[str, Any]],
                          plans: Mapping[int, str]) -> dict[str, Any]:
    """Each differing product's net output in each plan as a share of its largest over the plans
    (units differ from product to product; the table beside the chart gives the quantities)."""
    labels = [_label(d) for d in differences]
    shares = {plans[v["job"]]: [_share(d["net_output"], str(v["job"])) for d in differences]
              for v in variants}
    return chart("compared-differences", "The products whose net output differs most, as a share of "
                 "the largest of the plans", {}, "% of the largest", axis="Product", labels=labels,
                 series=shares, empty="The plans make the same net output of every product.")


def chart(key: str, title: str, bars: dict[str, float], unit: str, *, across: bool = False,
          upto: float | None = None, empty: str = "Nothing to show.", axis: str = "Product",
          labels: list[str] | None = None, series: dict[str, list[float | None]] | None = None
          ) -> dict[str, Any]:
    """One bar chart: vertical bars ``across`` the page (tiers, plans), horizontal ones otherwise
    (many labels, the largest on top); ``upto`` fixes the axis's end (100% for fulfilment);
    ``axis`` names what the bars are. Several ``series`` over ``labels`` draw grouped bars (one
    colour per series, a legend); one series is the ``bars``."""
    if series is None:
        labels, series = list(bars), {"": list(bars.values())}
    shown = labels if any(v is not None for values in series.values() for v in values) else []
    return {"id": f"chart-{key}", "title": title, "labels": shown,
            "series": [{"name": name, "values": values} for name, values in series.items()],
            "unit": unit, "orientation": "v" if across else "h", "upto": upto, "empty": empty,
            "axis": axis}


def largest(numbers: Mapping[str, float | None]) -> dict[str, float]:
    """The TOP numbers of largest magnitude, largest first."""
    known = [(key, value) for key, value in numbers.items() if value is not None]
    return dict(sorted(known, key=lambda item: abs(item[1]), reverse=True)[:TOP])


def named(numbers: Mapping[str, float], label: Callable[[str], str]) -> dict[str, float]:
    """``numbers`` keyed by ``label(id)`` instead of the id, in the same order."""
    return unique((label(key), value) for key, value in numbers.items())


def unique(pairs: Iterable[tuple[str, float]]) -> dict[str, float]:
    """The pairs as a map, a label given twice (two products of one name) numbered so that no
    bar hides another."""
    made: dict[str, float] = {}
    for label, value in pairs:
        key, copy = label, 1
        while key in made:
            copy += 1
            key = f"{label} #{copy}"
        made[key] = value
    return made


def _product_label(names: Names) -> Callable[[str], str]:
    return lambda product: names.product(product).label


def _label(product: Mapping[str, str]) -> str:
    """A product of a comparison's JSON as people read it: "Bread (loaf)"."""
    return f"{product['name']} ({product['unit']})" if product.get("unit") else product["name"]


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _tier_order(tier: str) -> tuple[int, str]:
    return (int(tier), "") if tier.isdigit() else (0, tier)


def _percent(share: float | None) -> float | None:
    return None if share is None else 100 * share


def _share(net_output: Mapping[str, float], job: str) -> float | None:
    largest_magnitude = max((abs(value) for value in net_output.values()), default=0.0)
    value = net_output.get(job)
    return None if value is None or not largest_magnitude else 100 * value / largest_magnitude
