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
# # Regionalt overblik
#
# Hvor mange borgere fra regionens 19 kommuner er i botilbud og anbringelse, i hvilke
# målgrupper, hvor og hos hvem, til hvilken pris — og hvordan har det udviklet sig? Siden er
# skrevet til DASSOS, KKR og sekretariatet. Alle tal om borgere er diskretionsbehandlet: tal
# under 5 borgere vises ikke (·), og enkelte andre tal er skjult, så de skjulte ikke kan regnes
# ud. Beløb er i mio. kr.

# %%
from capacity.report import start_page, write_summary
from capacity.views import costs, geography, overview, stays, supply
from capacity.views.common import collapsible, suppression_footnote
from capacity.views.suppressed import save_profile_frames

# %% tags=["parameters"]
slug: str = "overblik"  # output name of this page in the run folder

# %%
page = start_page(slug)
note = suppression_footnote()
page.banner()

# %% [markdown]
# ## Kort fortalt

# %%
overview.describe_overview(page.con)

# %% [markdown]
# ## 1. Borgere i tilbud i dag
#
# Borgere i et botilbud (§§ 107, 108), et botilbudslignende tilbud (almen bolig efter ABL § 105
# med støtte efter SEL § 85) eller en anbringelse på opgørelsesdatoen. Hver borger tælles én
# gang — i den målgruppe og under den paragraf, som borgerens senest startede placering har.
# Anbringelser efter serviceloven (§§ 52 og 66, til og med 2023) og barnets lov (fra 2024) er
# lagt sammen. Unge over 18 år, der stadig er anbragt, og børn i et voksentilbud vises som én
# række hver.

# %%
status_figure = overview.plot_status(page.con)
status_figure

# %%
page.table(
    overview.table_status(page.con, "adults"),
    "Voksne i botilbud og botilbudslignende tilbud pr. målgruppe og paragraf",
    footnote=note,
)

# %%
page.table(
    overview.table_status(page.con, "children"),
    "Børn og unge i anbringelse pr. målgruppe",
    footnote=note,
)

# %% [markdown]
# Dag- og støttetilbud (§§ 85, 103 og 104) er ikke pladser, men kommunerne betaler for dem.
# Tabellen tæller placeringer af alle slags på voksenområdet; en borger kan have flere.

# %%
collapsible(
    page.table(
        overview.table_placements_all_types(page.con, "adults"),
        "Placeringer pr. målgruppe og paragraf, alle tilbudstyper på voksenområdet",
        footnote=note,
    ),
    "Vis placeringer i alle tilbudstyper (også dag- og støttetilbud)",
)

# %% [markdown]
# ## 2. Udviklingen
#
# **Bestand** er antallet af borgere i et tilbud den 1. januar. **Gennemsnitlig daglig
# belægning** er borgerdage i året divideret med årets dage — det antal pladser, der i
# gennemsnit var i brug, og det tal, kapaciteten skal måles mod.

# %%
trend_figure = overview.plot_trend(page.con, "stock")
trend_figure

# %%
overview.plot_trend(page.con, "census")

# %%
page.table(overview.table_trend(page.con), "Borgere i tilbud pr. 1. januar", footnote=note)

# %% [markdown]
# **Tilgang** er forløb, der begynder i året, **afgang** forløb, der slutter. Et skift mellem
# to tilbud uden pause er ikke en ny tilgang.

# %%
overview.plot_inflow_outflow(page.con)

# %%
page.table(
    overview.table_flows(page.con), "Bestand, tilgang og afgang pr. målgruppe", footnote=note
)

# %% [markdown]
# ## 3. Forskelle mellem kommunerne
#
# Andelen er borgere i tilbud pr. 10.000 indbyggere i målgruppens aldersgruppe (børn 0-17 år,
# voksne 18-64 år). **Indekset** sammenligner med regionen: 100 = som regionen, 150 = halvanden
# gang så mange. Grå felter er skjult af hensyn til diskretion.

# %%
overview.plot_rate_index(page.con)

# %%
page.table(
    overview.table_rates(page.con, "rate"),
    f"Borgere i tilbud pr. 10.000 indbyggere i aldersgruppen, 1. januar "
    f"{overview.rates_year(page.con)}",
    footnote=note,
)

# %%
page.table(
    overview.table_rates(page.con, "index"),
    "Indeks i forhold til regionen (regionen = 100)",
    footnote=note,
)

# %% [markdown]
# En fremskrivning for den enkelte kommune vises kun, hvor kommunens tidsserie for målgruppen
# kan offentliggøres i alle år. Tabellen viser, hvor det gælder; de øvrige steder vises kun
# regionens fremskrivning.

# %%
page.table(
    overview.table_publishable_series(page.con, page.run_dir),
    "Kommunale tidsserier, der kan vises",
)

# %% [markdown]
# ## 4. Paragraffer
#
# Fordelingen på paragraf inden for hver målgruppe. For voksne ses forskydningen fra
# længerevarende botilbud (§ 108) mod almene boliger med støtte (ABL § 105 + SEL § 85).

# %%
overview.plot_section_shift(page.con)

# %%
page.table(
    overview.table_section_mix(page.con), "Fordeling på paragraf pr. målgruppe (%)", footnote=note
)

# %% [markdown]
# ## 5. Hvem driver tilbuddene?
#
# Ejerform efter Tilbudsportalen: kommunalt (kommunens eget eller en anden kommunes), regionalt,
# selvejende eller privat. *Ukendt tilbud* er placeringer, hvor leverandøren ikke kunne kobles
# til Tilbudsportalen (se siden om datakvalitet). Udgiften er den årlige pris for placeringerne
# på opgørelsesdatoen.

# %%
geography.plot_ownership(page.con)

# %%
page.table(geography.table_ownership(page.con), "Borgere pr. målgruppe og ejerform", footnote=note)

# %%
page.table(
    geography.table_ownership_cost(page.con),
    "Fordeling af den årlige udgift på ejerform pr. målgruppe (%)",
    footnote=note,
)

# %% [markdown]
# ## 6. Hvor bor borgerne?
#
# Tilbuddets beliggenhed i forhold til den kommune, der har placeret borgeren (handlekommunen).

# %%
geography.plot_location(page.con)

# %%
page.table(
    geography.table_location(page.con), "Borgere pr. målgruppe og beliggenhed", footnote=note
)

# %% [markdown]
# Køb og salg af pladser mellem kommunerne: rækken er handlekommunen, kolonnen kommunen, hvor
# tilbuddet ligger. Kommuner uden for regionen er lagt sammen. Grå felter er skjult af hensyn
# til diskretion.

# %%
geography.plot_flow_matrix(page.con, run_dir=page.run_dir)

# %% [markdown]
# Pr. kommune: hvor mange af kommunens egne borgere bor i kommunens egne tilbud, hvor mange
# kommunen køber pladser til andre steder, og hvor mange borgere fra andre kommuner der bor i
# tilbud i kommunen (solgte pladser).

# %%
page.table(
    geography.table_trade_balance(page.con, run_dir=page.run_dir),
    "Køb og salg af pladser pr. kommune",
    footnote=note,
)

# %%
collapsible(
    page.table(
        geography.table_flow_matrix(page.con, run_dir=page.run_dir),
        "Borgere pr. handlekommune og tilbuddets beliggenhed",
        footnote=note,
    ),
    "Vis hele matricen: handlekommune × tilbuddets beliggenhed",
)

# %% [markdown]
# ## 7. Priser
#
# Den årlige pris pr. placering er den pris, kommunen betaler, omregnet til kr. pr. år. Tallene
# gælder placeringer i kraft i det seneste hele år. Figuren viser botilbud og anbringelser.

# %%
costs.plot_cost_distribution(page.con)

# %%
collapsible(
    page.table(
        costs.table_cost_distribution(page.con),
        "Årlig pris pr. placering pr. målgruppe og paragraf",
        footnote=note,
    ),
    "Vis priserne pr. målgruppe og paragraf (median, kvartiler, 90 %-fraktil)",
)

# %% [markdown]
# Den betalte pris sammenlignet med tilbuddenes døgntakst på Tilbudsportalen (× 365 dage), for
# offentlige og private/selvejende leverandører. Taksten er et listepris-udgangspunkt; den
# betalte pris kan indeholde tillæg og rabatter.

# %%
page.table(costs.table_price_vs_takst(page.con), "Betalt pris og døgntakst", footnote=note)

# %% [markdown]
# ## 8. Dyre enkeltsager
#
# Borgere, hvis samlede udgift i året (alle placeringer) er over 1 og over 2 mio. kr.

# %%
costs.plot_expensive_cases(page.con)

# %%
page.table(costs.table_expensive_cases(page.con), "Dyre enkeltsager pr. målgruppe", footnote=note)

# %%
page.table(
    costs.table_expensive_share(page.con),
    "Dyre enkeltsagers andel af borgerne og af udgiften",
    footnote=note,
)

# %%
costs.describe_expensive_top(page.con)

# %% [markdown]
# De tilbud, der leverer til flest borgere med en udgift over 2 mio. kr. De øvrige tilbud er lagt
# sammen; beløb pr. tilbud vises ikke. En borger med placeringer i to tilbud tælles i begge.

# %%
page.table(
    costs.table_expensive_providers(page.con),
    "Tilbud med dyre enkeltsager (over 2 mio. kr.)",
    footnote=note,
)

# %% [markdown]
# Refusion for særligt dyre enkeltsager (servicelovens § 176) er et skøn: staten refunderer
# 25, 50 og 75 % af udgiften over tre beløbsgrænser pr. borger under 67 år. Kun placeringer er
# med i data, så det reelle refusionsgrundlag er større.

# %%
page.table(costs.table_refund(page.con), "Skønnet § 176-refusion pr. målgruppe", footnote=note)

# %% [markdown]
# ## 9. Pladser og belægning
#
# Pladser i godkendte tilbud, der ligger i regionen, efter seneste udtræk fra Tilbudsportalen.
# Et tilbud har ofte flere målgrupper, så pladserne tælles på to måder: **fordelt** ligeligt
# mellem tilbuddets målgrupper (summerer til det samlede antal pladser) og **talt i hver
# målgruppe** (en øvre grænse). Den observerede belægning er regionens egne borgere i
# tilbuddene divideret med pladserne — en *nedre grænse*, fordi borgere fra andre regioner ikke
# er i data.

# %%
supply_figure = supply.plot_supply(page.con)
supply_figure

# %%
page.table(supply.table_supply(page.con), "Pladser og belægning pr. målgruppe", footnote=note)

# %%
collapsible(
    page.table(
        supply.table_supply_by_ownership(page.con),
        "Pladser pr. målgruppe, paragraf og ejerform (fordelte pladser)",
    ),
    "Vis pladser pr. målgruppe, paragraf og ejerform",
)

# %%
collapsible(
    page.table(
        supply.table_supply_by_municipality(page.con),
        "Pladser pr. beliggenhedskommune og målgruppe (fordelte pladser)",
    ),
    "Vis pladser pr. kommune, hvor tilbuddene ligger",
)

# %% [markdown]
# ## 10. Kapacitetsændringer til godkendelse i DASSOS
#
# Tilbud i regionen, der er lukket, nye eller har ændret antallet af godkendte pladser med mere
# end ±10 mellem de to seneste udtræk fra Tilbudsportalen.

# %%
page.table(supply.table_capacity_changes(page.con), "Kapacitetsændringer til godkendelse")

# %% [markdown]
# ## 11. Opholdstid
#
# Hvor længe et forløb varer, estimeret med Kaplan-Meier: forløb, der stadig er i gang, tæller
# med som "mindst så længe". Kurven viser andelen, der stadig er i tilbud efter et antal år.

# %%
stays.plot_length_of_stay(page.con)

# %%
page.table(stays.table_length_of_stay(page.con), "Opholdstid pr. målgruppe", footnote=note)

# %% [markdown]
# Kontrol med Littles lov: i en stabil situation er den daglige belægning lig med tilgangen pr.
# år gange den gennemsnitlige opholdstid. En afvigelse over 25 % er en opfordring til at se
# nærmere på data (tendens, manglende slutdatoer, dobbeltregistreringer), ikke en fejl.

# %%
page.table(
    stays.table_littles_law(page.con),
    "Kontrol af belægning mod tilgang × opholdstid",
    footnote=note,
)

# %% [markdown]
# ## 12. Venteliste
#
# Henvisninger, der venter på en plads, og hvor længe borgerne har ventet. Tallene er pr.
# seneste dato på ventelisten.

# %%
page.table(stays.table_waiting_list(page.con), "Venteliste pr. målgruppe", footnote=note)

# %%
page.save_pngs(
    {
        "borgere_i_tilbud": trend_figure,
        "borgere_pr_maalgruppe": status_figure,
        "pladser_og_borgere": supply_figure,
    }
)
save_profile_frames(page.con, page.run_dir)
write_summary(page, overview.summary_overview(page.con))
