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
# # Datakvalitet
#
# Hvad hver kommunes leverance har bidraget med, hvilke rækker der er afvist og hvorfor, hvilke
# leverandører der ikke kunne kobles til Tilbudsportalen, og hvor målgruppen kommer fra.
# Siden er til kommunernes egen kontrol af deres data.

# %%
from capacity import quality
from capacity.report import start_page

# %% tags=["parameters"]
slug: str = "datakvalitet"  # output name of this page in the run folder

# %%
page = start_page(slug)
page.banner()

# %% [markdown]
# ## Leverancer
#
# Hver række i en leverance er enten indlæst eller afvist med en årsag (rækker ind = indlæst +
# afvist). Tomme linjer tælles for sig. En fil, der ikke kan læses eller ikke ligner en kendt
# leverance, sættes i karantæne og indgår ikke.

# %%
quality.plot_rows_by_municipality(page.con)

# %%
page.table(quality.table_files(page.con), "Leverancer og deres rækker")

# %% [markdown]
# ## Afviste rækker pr. kommune og årsag
#
# Antal afviste rækker (ikke personer). En række med flere fejl tælles under hver årsag.
# Rettelser sker i kommunens fagsystem, hvorefter leverancen sendes igen og erstatter den gamle.

# %%
page.table(quality.table_rejects_by_municipality(page.con), "Afviste rækker pr. kommune og årsag")

# %% [markdown]
# ## Leverandører uden kobling til Tilbudsportalen
#
# Leverandørnavne, som hverken har et tilbuds-id i leverancen eller står i mapningsfilen
# `leverandoerer.csv`. Placeringerne indgår i tallene, men uden tilbuddets ejerform, beliggenhed
# og pladser. Forslag til kobling står i `provider_suggestions.csv` ved databasen.

# %%
page.table(
    quality.table_unmatched_providers(page.con), "Leverandører uden kobling til Tilbudsportalen"
)

# %% [markdown]
# ## Hvor kommer målgruppen fra?
#
# Borgerens egen målgruppe fra fagsystemet bruges, når den findes. Ellers bruges tilbuddets
# målgrupper fra Tilbudsportalen. Uden nogen af delene tælles placeringen under "Øvrige".

# %%
page.table(
    quality.table_classification_source(page.con),
    "Kilde til målgruppen",
    decimals={
        "Borgerens målgruppe (%)": 1,
        "Tilbuddets målgrupper (%)": 1,
        "Ingen målgruppe (%)": 1,
    },
)

# %% [markdown]
# ## Udtræk fra Tilbudsportalen

# %%
page.table(quality.table_extracts(page.con), "Udtræk fra Tilbudsportalen")
