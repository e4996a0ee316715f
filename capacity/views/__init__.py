"""Presentation layer of the report pages: Danish tables and plotly figures built on
capacity.metrics and capacity.gap, with disclosure control applied (docs/privacy.md).

- common: labels, colours, figure layout, display helpers (shared by every page);
- suppressed: suppressed building blocks shared by the overview and the profiles;
- overview, geography, costs, supply, stays: the sections of the regional overview;
- profile: the municipality profile.

``table_*`` functions return publishable polars frames, ``plot_*`` functions plotly figures
whose person-count traces are marked and checked, ``describe_*`` functions a short Danish
text computed from published figures.
"""
