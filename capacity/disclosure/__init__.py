"""Disclosure control: nothing that leaves the workbench shows or lets a reader recover a
count of fewer than `threshold` persons, a CPR number or the pseudonymisation key.

- suppress: primary + secondary suppression of count tables (polars in, polars out);
- audit: linear-programming proof that no suppressed cell can be recovered;
- display: Danish display strings, symbols and the footnote;
- figures: plotly person-count traces (mark, decode typed arrays, assert);
- scan: the publication scanner behind `capacity check-publication`.
See docs/privacy.md.
"""

from capacity.disclosure.audit import AuditResult, audit_suppression
from capacity.disclosure.display import (
    footnote,
    format_for_display,
    format_money_mio,
    format_number_da,
    round_money,
)
from capacity.disclosure.figures import (
    assert_figure_publishable,
    decode_typed_array,
    mark_person_counts,
)
from capacity.disclosure.rules import DisclosureError, DisclosureRules, load_rules
from capacity.disclosure.scan import Finding, scan_run_folder
from capacity.disclosure.suppress import (
    SuppressedTable,
    assert_frame_publishable,
    flag_dominance,
    publish_counts,
    suppress_series_for_publication,
    suppress_table,
)

__all__ = [
    "FOOTNOTE",
    "AuditResult",
    "DisclosureError",
    "DisclosureRules",
    "Finding",
    "SuppressedTable",
    "assert_figure_publishable",
    "assert_frame_publishable",
    "audit_suppression",
    "decode_typed_array",
    "flag_dominance",
    "footnote",
    "format_for_display",
    "format_money_mio",
    "format_number_da",
    "load_rules",
    "mark_person_counts",
    "publish_counts",
    "round_money",
    "scan_run_folder",
    "suppress_series_for_publication",
    "suppress_table",
]


def __getattr__(name: str) -> str:
    # the footnote text comes from capacity/conf/disclosure.yaml, read on first use
    if name == "FOOTNOTE":
        return load_rules().footnote()
    raise AttributeError(name)
