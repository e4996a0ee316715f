# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Kommuneprofil
#
# Kommunens egne tal sammenlignet med hele regionen: borgere i botilbud og anbringelse pr.
# målgruppe, hvor og hos hvem de bor, udgifter og dyre enkeltsager, den forventede udvikling og
# kvaliteten af kommunens leverancer. Siden er til kommunens egen brug og til sammenligning i
# DASSOS. Tal under 5 borgere vises ikke (·), og enkelte andre tal er skjult, så de skjulte ikke
# kan regnes ud — også ud fra de andre kommuners profiler.

# %%
from capacity.report import start_page, write_summary
from capacity.results import load_run_forecasts
from capacity.views import profile
from capacity.views.common import suppression_footnote

# %% tags=["parameters"]
kommunekode: str = "751"  # DST code of the municipality, as a string; 751 is Aarhus

# %%
page = start_page(profile.page_slug(kommunekode))
note = suppression_footnote()
page.banner()

# %%
profile.describe_profile(page.con, kommunekode, run_dir=page.run_dir)

# %% [markdown]
# ## Borgere pr. målgruppe
#
# Borgere i botilbud og anbringelse den 1. januar, og hvor mange det er pr. 10.000 indbyggere i
# målgruppens aldersgruppe (børn 0-17 år, voksne 18-64 år). **Indekset** sammenligner med
# regionen: 100 = som regionen, 150 = halvanden gang så mange.

# %%
profile.plot_profile_rates(page.con, kommunekode, run_dir=page.run_dir)

# %%
page.table(
    profile.table_profile_groups(page.con, kommunekode, run_dir=page.run_dir),
    "Borgere pr. målgruppe, kommunen og regionen",
    footnote=note,
)

# %% [markdown]
# ## Hvor og hos hvem bor borgerne?
#
# Tilbuddets beliggenhed (i kommunen selv, andre steder i regionen, uden for regionen) og
# ejerform (kommunalt, regionalt, selvejende, privat) for kommunens borgere på opgørelsesdatoen,
# sammenlignet med hele regionen.

# %%
profile.plot_profile_placement(page.con, kommunekode, run_dir=page.run_dir)

# %%
page.table(
    profile.table_profile_location(page.con, kommunekode, run_dir=page.run_dir),
    "Tilbuddenes beliggenhed",
    footnote=note,
)

# %%
page.table(
    profile.table_profile_ownership(page.con, kommunekode, run_dir=page.run_dir),
    "Tilbuddenes ejerform",
    footnote=note,
)

# %% [markdown]
# ## Udgifter og dyre enkeltsager
#
# Kommunens udgift i det seneste hele år til borgere i tilbud (alle tilbudstyper), i mio. kr.
# Beløb vises kun, hvor antallet af borgere bag dem kan vises.

# %%
page.table(
    profile.table_profile_costs(page.con, kommunekode, run_dir=page.run_dir),
    "Udgift pr. målgruppe, kommunen og regionen",
    footnote=note,
)

# %%
page.table(
    profile.table_profile_expensive(page.con, kommunekode, run_dir=page.run_dir),
    "Dyre enkeltsager og skønnet § 176-refusion",
    footnote=note,
)

# %% [markdown]
# ## Forventet udvikling
#
# Fremskrivningen af den gennemsnitlige daglige belægning (borgere pr. dag) for kommunens
# borgere, fra regionens fremskrivning pr. målgruppe. Den vises kun for målgrupper, hvor
# kommunens tidsserie kan offentliggøres i alle år; ellers ville en fremskrivning afsløre små tal.

# %%
forecasts = load_run_forecasts(page)
series = profile.load_series_flags(page.con, page.run_dir)
profile.describe_forecast(forecasts, series, kommunekode)

# %%
profile.plot_profile_forecast(forecasts, series, kommunekode)

# %% [markdown]
# ## Kommunens leverancer
#
# Hvad kommunens leverancer har bidraget med: rækker ind, indlæst og afvist (rækker, ikke
# borgere), og hvor målgruppen kommer fra. Rettelser sker i kommunens fagsystem, hvorefter
# leverancen sendes igen.

# %%
page.table(profile.table_profile_deliveries(page.con, kommunekode), "Kommunens leverancer")

# %%
page.table(
    profile.table_profile_rejects(page.con, kommunekode), "Afviste rækker og målgruppens kilde"
)

# %%
write_summary(page, profile.summary_profile(page.con, kommunekode, run_dir=page.run_dir))
