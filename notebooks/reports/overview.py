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
# Hvad databasen indeholder: de indlæste leverancer fra kommunerne og Tilbudsportalen, og
# hvor mange borgere der har været i et tilbud pr. 1. januar hvert år.

# %%
from capacity import inventory
from capacity.report import start_page, write_summary

# %% tags=["parameters"]
slug: str = "overblik"  # output name of this page in the run folder

# %%
page = start_page(slug)
page.banner()

# %% [markdown]
# ## Indlæste data
#
# Hver række i en leverance er enten indlæst eller afvist med en årsag; filer, der ikke kan
# læses, sættes i karantæne. Detaljerne står på siden om datakvalitet.

# %%
page.table(inventory.table_loaded_files(page.con), "Indlæste data pr. inputtype")

# %% [markdown]
# ## Borgere i tilbud over tid
#
# Antal forskellige borgere med mindst én aktiv placering den 1. januar, for hele regionen.

# %%
persons = inventory.table_persons_by_year(page.con)
persons_figure = inventory.plot_persons_by_year(page.con)
page.save_pngs({"borgere_i_tilbud": persons_figure})
persons_figure

# %%
write_summary(page, inventory.summary_persons(persons))
