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
# # Målgruppe: efterspørgsel, fremskrivning og pladser
#
# Én side pr. målgruppe, til DASSOS og sekretariatet: hvor mange af regionens borgere der er i
# et tilbud i dag, hvordan efterspørgslen forventes at udvikle sig de næste år, hvor sikker
# fremskrivningen er, og hvor mange pladser der skal til. Alle tal gælder hele regionen (de 19
# kommuners borgere); pladserne er en fælles regional ressource.

# %%
from capacity.report import start_page, write_summary
from capacity.results import save_run_results
from capacity.views import target_group as view

# %% tags=["parameters"]
target_group: str = "V1"  # analysis group id: B1, B2, B3, V1, V2, V3 or V4

# %%
page = start_page(view.target_group_slug(target_group))
page.banner()

# %%
# papermill_description=Fremskrivning og backtest
tg = view.compute_target_group(page.con, target_group)
view.describe_headline(tg)

# %% [markdown]
# ## Udviklingen indtil nu
#
# *Borgere pr. 1. januar* er bestanden på årets første dag. *Borgere pr. dag* er den
# gennemsnitlige daglige belægning (borgerdage ÷ dage i året): det tal, der svarer til antal
# optagne pladser, og som fremskrivningen og kapacitetsberegningen bygger på. *Tilgang* er nye
# forløb i året, *afgang* afsluttede forløb. Et forløb kan rumme flere placeringer efter hinanden.

# %%
view.plot_history(page.con, target_group)

# %%
page.table(
    view.table_history(page.con, target_group),
    f"{target_group}: borgere og forløb pr. år, hele regionen",
    footnote=view.footnote_suppressed(),
)

# %% [markdown]
# ## Fremskrivning med usikkerhed
#
# Den sorte linje er det observerede, den blå linje den forventede udvikling. Det mørke bånd
# viser, hvor udfaldet ligger i 8 ud af 10 tilfælde (80 %-interval), det lyse bånd 19 ud af 20
# (95 %-interval). Båndene bliver bredere, jo længere frem vi ser. Det skraverede felt er
# rammeaftaleperioden.

# %%
view.plot_forecast(tg)

# %%
page.table(view.table_forecast(tg), f"{target_group}: fremskrivning pr. år, hele regionen")

# %% [markdown]
# ## Hvor godt har modellerne ramt før? (backtest)
#
# Fremskrivningen vælger ikke model efter smag. Hver model er prøvet på fortiden, og den model,
# der ramte bedst med troværdige usikkerhedsbånd, er valgt som hovedmodel. *Relativ MAE* er
# modellens gennemsnitlige fejl divideret med fejlen ved blot at gentage sidste års tal (naiv);
# under 1 er bedre end naiv. *Dækning* er andelen af de faktiske udfald, der lå inden for
# båndene: ideelt 80 % og 95 %. *CRPS* måler hele fordelingens træfsikkerhed (kun for den
# simulerende model; lavere er bedre).

# %%
view.describe_principal(tg)

# %%
view.plot_backtest(tg)

# %%
page.table(
    view.table_backtest(tg),
    f"{target_group}: backtest af modellerne, hele regionen (1-4 år frem)",
    decimals=view.DECIMALS,
)

# %% [markdown]
# ## Kapacitetsbehov ved serviceniveauet
#
# Fremskrivningen giver ikke ét tal men 1.000 lige sandsynlige forløb. *Serviceniveauet*
# fastsætter, hvor ofte vi accepterer, at flere borgere har brug for en plads, end der er
# pladser. *Nødvendige pladser* er det mindste antal, der overholder det. *Manglende pladser*
# er nødvendige pladser minus kapaciteten (i dag plus planlagte pladser fra det år, de åbner):
# et positivt tal er pladser, der mangler, et negativt tal pladser i overskud. Tilbud på
# Tilbudsportalen har ofte flere målgrupper, så pladserne tælles på to måder: *fordelte* (delt
# ligeligt mellem tilbuddets målgrupper) og *talt i alle målgrupper* (en øvre grænse). Sandheden
# ligger imellem.

# %%
view.describe_gap(tg)

# %%
view.plot_gap(tg)

# %%
page.table(view.table_gap(tg), view.gap_caption(tg))

# %% [markdown]
# ## Scenarier: hvad hvis?
#
# Scenarierne ændrer én antagelse ad gangen: en stigende forbrugsrate, en stærkere trend, kun
# demografi, kortere ophold eller hjemtagning af private placeringer. Vandfaldet viser, hvad der
# driver ændringen fra i dag til slutåret i basisscenariet: befolkningsudviklingen (demografi),
# udviklingen i hvor stor en andel der får brug for en plads (forbrugsrate), opholdstiden og
# scenariets egne antagelser. Delene summerer præcist til den samlede ændring.

# %%
view.plot_scenarios(tg)

# %%
page.table(view.table_scenarios(tg), view.scenario_caption(tg), decimals=view.DECIMALS)

# %%
view.plot_waterfall(tg)

# %%
page.table(
    view.table_waterfall(tg), f"{target_group}: hvad driver udviklingen", decimals=view.DECIMALS
)

# %% [markdown]
# ## Private pladser og pladser uden for regionen
#
# Hvor og hos hvem målgruppens borgere er placeret i dag, og hvad en plads koster hos offentlige
# og private udbydere. Lånepuljen beder om at sammenligne prisen på nye kommunale pladser med
# dagens private takster: tabellen over priser er udgangspunktet for den sammenligning.

# %%
page.table(
    view.table_use_of_places(tg),
    f"{target_group}: placeringer i dag efter beliggenhed og udbyder",
    footnote=view.footnote_suppressed(),
)

# %%
view.describe_use_of_places(tg)

# %%
page.table(
    view.table_prices(tg),
    f"{target_group}: priser hos offentlige og private udbydere",
    footnote=view.footnote_suppressed(),
)

# %% [markdown]
# ## Udgift i faste priser

# %%
view.describe_costs(tg)

# %%
page.table(
    view.table_costs(tg),
    f"{target_group}: forventet udgift i faste priser",
    decimals=view.DECIMALS,
)

# %% [markdown]
# ## Fra børne- til voksenområdet
#
# Overgangen fra børne- til voksenområdet er et udviklingsområde i rammeaftalen. En overgang er
# et voksentilbud, der begynder fra et halvt år før til et år efter 18-årsdagen, for en ung, der
# som 17-årig var anbragt eller i et børnetilbud.

# %%
view.describe_pipeline(page.con, target_group)

# %%
view.plot_pipeline(page.con, target_group)

# %%
page.table(
    view.table_pipeline(page.con, target_group),
    f"{target_group}: overgange ved 18 år",
    footnote=view.footnote_suppressed(),
)

# %% [markdown]
# ## Opholdstid
#
# Hvor længe et forløb varer, beregnet med Kaplan-Meier: igangværende forløb tæller med, så
# længe de er observeret. Kurven stopper, hvor færre end fem forløb stadig er i gang.

# %%
view.plot_length_of_stay(page.con, target_group)

# %%
page.table(
    view.table_length_of_stay(page.con, target_group), f"{target_group}: opholdstid (Kaplan-Meier)"
)

# %%
view.forecast_notes(tg)

# %%
save_run_results(
    page,
    target_group,
    tg.forecast.table,
    tg.forecast.scoreboard,
    tg.gap,
    costs=tg.costs,
    demand=tg.inputs.demand,
    principal=tg.forecast.principal,
)
write_summary(page, view.summary_target_group(tg))
