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
# Temadag for DASSOS, Region Midtjylland

# %% slideshow={"slide_type": "skip"}
from capacity.report import start_page
from capacity.views import slides
from capacity.views.summary import load_summary_inputs

# %% tags=["parameters"] slideshow={"slide_type": "skip"}
slug: str = "slides"  # output name of the slides in the run folder

# %% slideshow={"slide_type": "skip"}
page = start_page(slug)
si = load_summary_inputs(page)

# %%
slides.describe_title(si)

# %%
page.banner()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Hvor er borgerne placeret?

# %%
slides.plot_placement(si)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Hvor stor er efterspørgslen, og hvordan har den udviklet sig?

# %%
slides.plot_trend(page.con, si)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Hvordan udvikler efterspørgslen sig de næste år?

# %%
slides.plot_growth(si)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Fremskrivningen er usikker — sådan ser båndene ud

# %%
slides.plot_forecast_panels(si)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Passer pladserne til behovet?

# %%
slides.plot_gap(si)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Lånepuljen mod behovet

# %%
slides.plot_lanepulje_slide(si)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Fra børne- til voksenområdet

# %%
slides.plot_pipeline(page.con, si)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Det skal DASSOS tage stilling til

# %%
slides.describe_decisions(si, page.con)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Metode og data

# %%
slides.describe_method(si, page.con, page.synthetic)
