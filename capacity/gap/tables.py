"""Published tables of the capacity gap: Danish column names, one row per reader's question.

Every table that holds a gap figure carries the service level it is stated at ("Serviceniveau").
Probabilities and shares are shown in per cent, money in mio. kr.
"""

from __future__ import annotations

import polars as pl

from capacity.gap.labels import COUNTING_METHOD_LABELS, target_group_label
from capacity.gap.waterfall import COMPONENT_LABELS, COMPONENTS


def _label(col: str = "target_group") -> pl.Expr:
    return pl.col(col).map_elements(target_group_label, return_dtype=pl.String)


def _pct(col: str) -> pl.Expr:
    return (100 * pl.col(col)).round(1)


def _scenario(col: str = "scenario") -> pl.Expr:
    """A scenario's Danish label (its name when it is not in scenarios.yaml)."""
    from capacity.gap.scenarios import load_scenarios

    labels = {k: v.label for k, v in load_scenarios().items()}
    return pl.col(col).replace(labels)


def table_gap(gap: pl.DataFrame, year: int | None = None) -> pl.DataFrame:
    """The gap per target group and year (or one year), with both counting methods and the
    Erlang/Poisson cross-check."""
    frame = gap if year is None else gap.filter(pl.col("year") == year)
    return frame.sort("target_group", "year").select(
        pl.col("target_group").alias("Målgruppe"),
        _label().alias("Målgruppe (navn)"),
        pl.col("year").alias("År"),
        pl.col("service_level").alias("Serviceniveau"),
        _scenario().alias("Scenarie"),
        pl.col("census_today").round(1).alias("Borgere i tilbud i dag (gns. pr. dag)"),
        pl.col("demand_mean").round(1).alias("Forventet efterspørgsel på regionens pladser"),
        pl.col("demand_p10").round(1).alias("Efterspørgsel P10"),
        pl.col("demand_p90").round(1).alias("Efterspørgsel P90"),
        pl.col("places_apportioned").round(1).alias("Pladser i dag (fordelt)"),
        pl.col("places_counted").round(1).alias("Pladser i dag (talt i alle målgrupper)"),
        pl.col("planned_places").round(1).alias("Planlagte pladser åbnet"),
        pl.col("counting_method")
        .replace_strict(COUNTING_METHOD_LABELS)
        .alias("Kapacitet opgjort som"),
        pl.col("capacity").round(1).alias("Kapacitet"),
        pl.col("required").alias("Nødvendige pladser"),
        pl.col("gap").round(1).alias("Manglende pladser (+) / overskud (−)"),
        pl.col("gap_counted").round(1).alias("Manglende pladser, talt i alle målgrupper"),
        _pct("p_shortage").alias("Sandsynlighed for mangel, %"),
        pl.col("expected_unmet").round(1).alias("Forventet udækket behov (pladsår)"),
        pl.col("expected_idle").round(1).alias("Forventede tomme pladser"),
        pl.col("poisson_required").alias("Krydstjek: Poisson-pladser"),
        _pct("erlang_b_blocking").alias("Krydstjek: Erlang-B afvisning ved kapaciteten, %"),
    )


def table_scenarios(comparison: pl.DataFrame, year: int) -> pl.DataFrame:
    """Required places, gap and P(shortage) per target group under each scenario in `year`."""
    return (
        comparison.filter(pl.col("year") == year)
        .sort("target_group", "scenario")
        .select(
            pl.col("target_group").alias("Målgruppe"),
            _scenario().alias("Scenarie"),
            pl.col("year").alias("År"),
            pl.col("service_level").alias("Serviceniveau"),
            pl.col("demand_mean").round(1).alias("Forventet efterspørgsel"),
            pl.col("required").alias("Nødvendige pladser"),
            pl.col("capacity").round(1).alias("Kapacitet"),
            pl.col("gap").round(1).alias("Manglende pladser (+) / overskud (−)"),
            _pct("p_shortage").alias("Sandsynlighed for mangel, %"),
        )
    )


def table_waterfall(waterfalls: list[pl.DataFrame] | pl.DataFrame) -> pl.DataFrame:
    """One row per target group: demand today, the parts of the change, demand in the horizon
    year (the parts add up to horizon − today)."""
    frame = pl.concat(waterfalls) if isinstance(waterfalls, list) else waterfalls
    # "scenario" is also a component name: keep the scenario's name under another column.
    wide = frame.rename({"scenario": "scenario_name"}).pivot(
        on="component", index=["target_group", "scenario_name", "year"], values="value"
    )
    cols = ["start", *COMPONENTS, "end"]
    return wide.sort("target_group").select(
        pl.col("target_group").alias("Målgruppe"),
        _scenario("scenario_name").alias("Scenarie"),
        pl.col("year").alias("År"),
        *[pl.col(c).round(2).alias(COMPONENT_LABELS[c]) for c in cols],
    )


def table_use_of_places(use: pl.DataFrame) -> pl.DataFrame:
    """Where and with whom the region's citizens are placed today."""
    return use.sort("target_group").select(
        pl.col("target_group").alias("Målgruppe"),
        pl.col("census_total").round(1).alias("Borgere i tilbud i dag"),
        pl.col("public_in_region").round(1).alias("Offentlige tilbud i regionen"),
        pl.col("private_in_region").round(1).alias("Private/selvejende tilbud i regionen"),
        pl.col("public_outside").round(1).alias("Offentlige tilbud uden for regionen"),
        pl.col("private_outside").round(1).alias("Private/selvejende tilbud uden for regionen"),
        pl.col("unknown").round(1).alias("Ukendt tilbud"),
        _pct("outside_share").alias("Andel uden for regionen, %"),
        _pct("private_share").alias("Andel private/selvejende, %"),
    )


def table_prices(prices: pl.DataFrame) -> pl.DataFrame:
    """Private vs public prices per target group: paid annual cost and Tilbudsportalen takst."""
    return prices.sort("target_group").select(
        pl.col("target_group").alias("Målgruppe"),
        pl.col("paid_public").round(0).alias("Betalt pris, offentlig (kr./år)"),
        pl.col("paid_private").round(0).alias("Betalt pris, privat (kr./år)"),
        pl.col("paid_difference").round(0).alias("Forskel betalt pris (kr./år)"),
        pl.col("takst_public").round(0).alias("Døgntakst, offentlig (kr.)"),
        pl.col("takst_private").round(0).alias("Døgntakst, privat (kr.)"),
        pl.col("takst_difference").round(0).alias("Forskel døgntakst (kr.)"),
        pl.col("takst_difference_per_year").round(0).alias("Forskel døgntakst pr. år (kr.)"),
    )


def table_costs(costs: pl.DataFrame, year: int | None = None) -> pl.DataFrame:
    """Cost of forecast demand at fixed prices, mio. kr. per year."""
    frame = costs if year is None else costs.filter(pl.col("year") == year)
    mio = 1e6
    return frame.sort("target_group", "year").select(
        pl.col("target_group").alias("Målgruppe"),
        _scenario().alias("Scenarie"),
        pl.col("year").alias("År"),
        pl.col("price_basis").alias("Prisgrundlag"),
        (pl.col("cost_today") / mio).round(1).alias("Udgift i dag (mio. kr.)"),
        (pl.col("cost_mean") / mio).round(1).alias("Forventet udgift (mio. kr.)"),
        (pl.col("cost_p10") / mio).round(1).alias("Udgift P10 (mio. kr.)"),
        (pl.col("cost_p90") / mio).round(1).alias("Udgift P90 (mio. kr.)"),
        _pct("private_share").alias("Andel private/selvejende, %"),
    )


def table_lanepulje(view: pl.DataFrame) -> pl.DataFrame:
    """Planned projects per target group against the gap, internal vs for other municipalities."""
    return view.sort("target_group").select(
        pl.col("target_group").alias("Målgruppe"),
        _label().alias("Målgruppe (navn)"),
        pl.col("year").alias("År"),
        pl.col("service_level").alias("Serviceniveau"),
        pl.col("required").alias("Nødvendige pladser"),
        pl.col("current_capacity").round(1).alias("Pladser i dag"),
        pl.col("gap_before_plans").round(1).alias("Mangel før planlagte pladser"),
        pl.col("planned_places").round(1).alias("Planlagte pladser i alt"),
        pl.col("planned_internal").round(1).alias("Heraf til egen kommune"),
        pl.col("planned_for_others").round(1).alias("Heraf til andre kommuner"),
        pl.col("gap_after_plans").round(1).alias("Mangel efter planlagte pladser"),
        _pct("share_of_gap_covered").alias("Andel af mangel dækket, %"),
        # + 0.0 turns a rounded -0.0 into 0.0
        ((pl.col("saving_if_replacing_private") / 1e6).round(1) + 0.0).alias(
            "Besparelse (+) / merudgift (−) hvis de planlagte pladser erstatter private, "
            "mio. kr./år"
        ),
    )


def table_planned_projects(projects: pl.DataFrame) -> pl.DataFrame:
    """Every planned project (lånepulje and other plans)."""
    from capacity.config import municipalities

    names = municipalities()
    return projects.select(
        pl.col("target_group").alias("Målgruppe"),
        pl.col("municipality").replace(names).alias("Kommune"),
        pl.col("project").alias("Projekt"),
        pl.col("year").alias("Åbner"),
        pl.col("status").alias("Status"),
        pl.col("places").alias("Pladser"),
        pl.col("internal").alias("Til egen kommune"),
        pl.col("for_other_municipalities").alias("Til andre kommuner"),
    )


def table_summary(gap: pl.DataFrame, costs: pl.DataFrame, year: int) -> pl.DataFrame:
    """The regional summary for the framework agreement, one row per target group in `year`:
    today, the forecast, places, the gap, P(shortage) and the cost at fixed prices."""
    cost = costs.filter(pl.col("year") == year).select(
        "target_group", "scenario", "cost_today", "cost_mean", "price_basis"
    )
    frame = gap.filter(pl.col("year") == year).join(
        cost, on=["target_group", "scenario"], how="left"
    )
    return frame.sort("target_group").select(
        pl.col("target_group").alias("Målgruppe"),
        _label().alias("Målgruppe (navn)"),
        pl.col("year").alias("År"),
        pl.col("service_level").alias("Serviceniveau"),
        _scenario().alias("Scenarie"),
        pl.col("census_today").round(0).alias("Borgere i tilbud i dag (gns. pr. dag)"),
        pl.col("demand_mean").round(0).alias("Forventet efterspørgsel på regionens pladser"),
        pl.format(
            "{}-{}",
            pl.col("demand_p10").round(0).cast(pl.Int64),
            pl.col("demand_p90").round(0).cast(pl.Int64),
        ).alias("Efterspørgsel, 80 %-interval"),
        pl.col("places_apportioned").round(0).alias("Pladser i dag (fordelt)"),
        pl.col("places_counted").round(0).alias("Pladser i dag (talt i alle målgrupper)"),
        pl.col("planned_places").round(0).alias("Planlagte pladser åbnet"),
        pl.col("required").alias("Nødvendige pladser"),
        pl.col("gap").round(0).alias("Manglende pladser (+) / overskud (−)"),
        _pct("p_shortage").alias("Sandsynlighed for mangel, %"),
        (pl.col("cost_today") / 1e6).round(1).alias("Udgift i dag (mio. kr.)"),
        (pl.col("cost_mean") / 1e6).round(1).alias("Forventet udgift (mio. kr.)"),
        pl.col("price_basis").alias("Prisgrundlag"),
    )
