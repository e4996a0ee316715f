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

# %% [markdown] slideshow={"slide_type": "slide"}
# # Kapacitet på det specialiserede socialområde
#
# Temadag, Region Midtjylland — hvor mange pladser skal vi bruge, til hvem og hvor?

# %% slideshow={"slide_type": "skip"}
from capacity import inventory
from capacity.report import start_page

# %% tags=["parameters"] slideshow={"slide_type": "skip"}
slug: str = "slides"  # output name of the slides in the run folder

# %% slideshow={"slide_type": "skip"}
page = start_page(slug)

# %% slideshow={"slide_type": "fragment"}
page.banner()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Borgere i tilbud pr. 1. januar

# %%
inventory.plot_persons_by_year(page.con, height=520)
