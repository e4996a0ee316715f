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
# # Resumé til rammeaftalen
#
# Til DASSOS og KKR: de syv målgrupper på én side — hvor mange borgere der er i tilbud i dag,
# hvordan efterspørgslen forventes at udvikle sig i rammeaftaleperioden og frem til udsynsåret,
# hvor mange pladser der skal til ved det valgte serviceniveau, hvad det koster i faste priser,
# og hvordan lånepuljens planlagte pladser dækker behovet. Alle tal gælder hele regionen.

# %%
from capacity.report import start_page, write_summary
from capacity.views import summary as view
from capacity.views.suppressed import load_publishable_series

# %% tags=["parameters"]
slug: str = "rammeaftale"  # output name of this page in the run folder

# %%
page = start_page(slug)
page.banner()

# %%
si = view.load_summary_inputs(page)
view.describe_framework(si, page.con)

# %%
view.describe_sources(si)

# %% [markdown]
# ## De syv målgrupper
#
# *Borgere pr. dag* er den gennemsnitlige daglige belægning: det antal pladser, borgerne fra de
# 19 kommuner optager. *Forventet* er hovedmodellens fremskrivning med 80 %-intervallet (8 ud af
# 10 sandsynlige udfald). *Nødvendige pladser* er det mindste antal pladser, der overholder
# serviceniveauet. *Manglende pladser* er nødvendige pladser minus kapaciteten (pladser i dag
# plus planlagte pladser, der er åbnet): plus er mangel, minus er overskud. Udgiften er i faste
# priser, fordi taksterne er fastfrosset.

# %%
page.table(view.table_framework(si), view.summary_caption(si))

# %%
view.plot_forecasts(si)

# %%
view.plot_gap_by_group(si)

# %% [markdown]
# ## Hvor sikre er fremskrivningerne?
#
# Hver målgruppes hovedmodel er valgt ved en backtest: modellerne er prøvet på fortiden og
# sammenlignet med det, der faktisk skete. Relativ MAE under 1 betyder mindre fejl end blot at
# gentage sidste års tal; dækningen viser, hvor ofte udfaldet lå inden for båndene (ideelt 80 %
# og 95 %).

# %%
page.table(view.table_forecast_quality(si), "Hovedmodel og backtest pr. målgruppe, hele regionen")

# %% [markdown]
# ## Lånepuljen og andre planlagte pladser
#
# Lånepuljen 2025/26 finansierer pladser efter §§ 107-108 med et fælles element: en del af
# pladserne skal stå åbne for andre kommuner end den, der bygger. Figuren og tabellen holder de
# planlagte pladser op mod de pladser, der mangler før planerne. Prisforskellen mellem private og
# offentlige tilbud viser, hvad det kan betyde at erstatte private placeringer med nye offentlige
# pladser (et negativt beløb betyder, at de offentlige pladser er dyrere).

# %%
view.plot_lanepulje(si)

# %%
page.table(view.table_lanepulje(si), view.lanepulje_caption(si), decimals=view.DECIMALS)

# %%
page.table(view.table_planned_projects(si), "Planlagte projekter (lånepulje og andre planer)")

# %%
page.table(
    view.table_prices(si),
    "Priser hos offentlige og private udbydere pr. målgruppe",
    footnote=view.footnote_suppressed(),
)

# %% [markdown]
# ## Fremskrivning pr. kommune
#
# Forventede borgere pr. dag i udsynsåret pr. kommune og målgruppe (hovedmodellen). En kommunes
# tal vises kun, hvor kommunens tidsserie for målgruppen er stor nok til at blive offentliggjort,
# og så ingen skjult celle kan regnes ud fra totalerne. Tallene er forventninger fra en model,
# ikke optællinger; summen for hele regionen er den samme som på målgruppesiderne.

# %%
page.table(
    view.table_municipality_forecasts(si, load_publishable_series(page.con, page.run_dir)),
    f"Forventede borgere pr. dag i {si.years.horizon_year} pr. kommune og målgruppe",
    footnote=view.footnote_suppressed(),
)

# %%
page.save_pngs(view.headline_figures(si))
write_summary(page, view.summary_framework(si))
