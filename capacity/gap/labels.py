"""Danish wording shared by the gap tables and figures."""

from __future__ import annotations

from capacity.config import load_conf

# The seven analysis groups of DESIGN.md §2 (X, other groups, is shown but has no shared pool).
SEVEN_GROUPS = ("B1", "B2", "B3", "V1", "V2", "V3", "V4")


def format_percent(value: float, decimals: int = 0) -> str:
    """'10 %', '2,5 %' (Danish decimal comma)."""
    text = f"{100 * value:.{decimals}f}"
    if decimals == 0 and abs(100 * value - round(100 * value)) > 1e-9:
        text = f"{100 * value:.1f}"
    return text.replace(".", ",") + " %"


def format_service_level(max_shortage_prob: float) -> str:
    """The service level as a reader sees it: 'P(efterspørgsel > kapacitet) ≤ 10 %'."""
    return f"P(efterspørgsel > kapacitet) ≤ {format_percent(max_shortage_prob)}"


def target_group_label(group: str) -> str:
    """Danish label of a target group from capacity/conf/target_groups.yaml."""
    groups = load_conf("target_groups").get("groups", {})
    return groups.get(group, {}).get("label", group)


COUNTING_METHOD_LABELS = {
    "apportioned": "fordelte pladser",
    "counted": "pladser talt i alle målgrupper",
}
