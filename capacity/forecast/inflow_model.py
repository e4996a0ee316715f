"""Inflow as a count process: rate x projected population, partially pooled over municipalities.

Model (per target group; k = municipality, t = year):

    inflow[k, t] ~ Poisson(pop[k, t] * R_t * theta_k * eps[k, t])
    log R_t = a + b * D(t)            region rate with a damped log-linear trend
    theta_k ~ Gamma(mean m, var tau2)  municipality effect, shrunk to the region (empirical Bayes)
    eps ~ Gamma(1/alpha, alpha)        municipality-year overdispersion (negative binomial)
    plus a region-wide year shock exp(u_t), u_t ~ N(0, sigma_u^2)

a, b come from a quasi-Poisson GLM (statsmodels) of the region totals with log population as
offset; sigma_u^2, tau2 and alpha are method-of-moments estimates. A trend estimated from a
few noisy years is the riskiest part of any forecast, so b is shrunk towards zero by its own
uncertainty (positive-part James-Stein factor max(0, 1 - se^2 / b^2): a trend twice its
standard error keeps 75 %, one within one standard error is dropped), its effect is damped
year by year, and its uncertainty is widened by `trend_change_sd` (the trend may itself
change). Simulation draws (a, b) from their covariance, theta_k from its gamma posterior, and
the shocks, so sample paths carry parameter uncertainty as well as count noise.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import statsmodels.api as sm


@dataclass(frozen=True)
class InflowModel:
    """Fitted inflow count model (see module docstring); rates are per person per year."""

    coef: np.ndarray  # (a, b): log region rate at the cutoff year, yearly log trend
    cov: np.ndarray  # 2 x 2 covariance of coef
    year_sd: float  # sd of the region-wide log year shock
    theta_shape: np.ndarray  # (K,) gamma posterior shape of the municipality effects
    theta_rate: np.ndarray  # (K,) gamma posterior rate
    alpha: float  # municipality-year overdispersion (0 = Poisson)
    damping: float  # trend damping per year ahead (1 = undamped)
    zero: bool  # no inflow at all in the window: forecast zero

    def expected_rate_multiplier(self, steps: np.ndarray) -> np.ndarray:
        """Damped trend factor exp(b * D(h)) for h = steps (point estimate)."""
        return np.exp(self.coef[1] * damped_steps(steps, self.damping))


def damped_steps(steps: np.ndarray, damping: float) -> np.ndarray:
    """D(h) = phi + phi^2 + ... + phi^h (h for phi = 1): the damped-trend horizon weight."""
    steps = np.asarray(steps, dtype=float)
    if damping >= 1.0:
        return steps
    return damping * (1.0 - damping**steps) / (1.0 - damping)


def _trend_change_sd(total: np.ndarray, pop: np.ndarray, cap: float) -> float:
    """How much the trend may change: the year-to-year movement of the log rate, at most
    `cap` (a rate that never moved gives no reason to expect its trend to change)."""
    ok = total > 0
    if ok.sum() < 3:
        return cap
    changes = np.diff(np.log(total[ok] / pop[ok]))
    return float(min(cap, changes.std(ddof=1)))


def _quasi_poisson(
    counts: np.ndarray, exog: np.ndarray, offset: np.ndarray, min_dispersion: float
) -> tuple[np.ndarray, np.ndarray]:
    """Poisson GLM (statsmodels) with the covariance scaled by the Pearson dispersion
    (quasi-Poisson, floored at `min_dispersion`: 1 for event counts, which are at least as
    variable as Poisson; lower for levels such as a census). A fit that fails falls back to
    the pooled rate."""
    n, k = exog.shape
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = sm.GLM(counts, exog, family=sm.families.Poisson(), offset=offset).fit()
        params = np.asarray(res.params, dtype=float)
        cov = np.asarray(res.cov_params(), dtype=float)
        dispersion = max(float(res.pearson_chi2) / max(n - k, 1), min_dispersion)
        if not (np.isfinite(params).all() and np.isfinite(cov).all()):
            raise ValueError("non-finite estimate")
        return params, cov * dispersion
    except (ValueError, np.linalg.LinAlgError):
        rate = counts.sum() / np.exp(offset).sum()
        params = np.zeros(k)
        params[0] = np.log(rate)
        cov = np.zeros((k, k))
        cov[0, 0] = 1.0 / max(counts.sum(), 1.0)
        return params, cov


def fit_inflow(
    counts: np.ndarray,
    pop: np.ndarray,
    *,
    rate_years: int = 8,
    kommune_years: int = 5,
    damping: float = 0.9,
    trend: bool = True,
    trend_change_sd: float = 0.0,
    min_dispersion: float = 1.0,
) -> InflowModel:
    """Fit the inflow model to counts (K, T) and population (K, T); the last column is the
    cutoff year. Only the last `rate_years` years inform the region rate and trend."""
    counts = np.asarray(counts, dtype=float)[:, -rate_years:]
    pop = np.maximum(np.asarray(pop, dtype=float)[:, -rate_years:], 1e-9)
    k_count, t_count = counts.shape
    total = counts.sum(axis=0)
    pop_total = pop.sum(axis=0)
    if total.sum() <= 0:
        return InflowModel(
            coef=np.array([-np.inf, 0.0]),
            cov=np.zeros((2, 2)),
            year_sd=0.0,
            theta_shape=np.ones(k_count),
            theta_rate=np.ones(k_count),
            alpha=0.0,
            damping=damping,
            zero=True,
        )
    x = np.arange(t_count, dtype=float) - (t_count - 1)  # 0 at the cutoff year
    use_trend = trend and t_count >= 3
    exog = np.column_stack([np.ones(t_count), x]) if use_trend else np.ones((t_count, 1))
    params, cov = _quasi_poisson(total, exog, np.log(pop_total), min_dispersion)
    if not use_trend:
        params = np.array([params[0], 0.0])
        cov = np.array([[cov[0, 0], 0.0], [0.0, 0.0]])
    mu_total = pop_total * np.exp(params[0] + params[1] * x)
    if use_trend:
        b, var_b = params[1], max(cov[1, 1], 0.0)
        shrink = max(0.0, 1.0 - var_b / (b * b)) if b != 0 else 0.0
        params = np.array([params[0], b * shrink])
        cov = cov.copy()
        cov[1, 1] = var_b + _trend_change_sd(total, pop_total, trend_change_sd) ** 2
    dof = max(t_count - exog.shape[1], 1)
    year_var = float(
        np.sum((total - mu_total) ** 2 - mu_total) / np.sum(mu_total**2) * t_count / dof
    )
    year_sd = float(np.sqrt(max(year_var, 0.0)))

    # municipality effects: empirical Bayes gamma-Poisson shrinkage to the region rate
    recent = slice(max(t_count - kommune_years, 0), t_count)
    rate_t = np.exp(params[0] + params[1] * x)
    expected = pop[:, recent] * rate_t[recent]
    observed = counts[:, recent].sum(axis=1)
    exp_k = np.maximum(expected.sum(axis=1), 1e-9)
    m = observed.sum() / exp_k.sum()
    rel = observed / exp_k
    s2 = float(np.sum(exp_k * (rel - m) ** 2) / exp_k.sum())
    tau2 = max(s2 - m / exp_k.mean(), 0.0)
    if tau2 <= 1e-12 or m <= 0:
        prior_shape, prior_rate = 1e6, 1e6 / max(m, 1e-9)
    else:
        prior_shape, prior_rate = m * m / tau2, m / tau2
    theta_shape = prior_shape + observed
    theta_rate = prior_rate + exp_k

    # municipality-year overdispersion beyond the effects and the year shocks
    theta_hat = theta_shape / theta_rate
    fitted = pop * theta_hat[:, None]
    fitted = fitted * (total / np.maximum(fitted.sum(axis=0), 1e-9))[None, :]
    denom = float(np.sum(fitted**2))
    alpha = max(float(np.sum((counts - fitted) ** 2 - fitted)) / denom, 0.0) if denom > 0 else 0.0
    return InflowModel(
        coef=params,
        cov=cov,
        year_sd=year_sd,
        theta_shape=theta_shape,
        theta_rate=theta_rate,
        alpha=min(alpha, 5.0),
        damping=damping,
        zero=False,
    )


def simulate_inflow(
    model: InflowModel, pop_future: np.ndarray, n_paths: int, rng: np.random.Generator
) -> np.ndarray:
    """Sample paths of inflow counts, shape (n_paths, K, H), for future population (K, H)."""
    k_count, horizon = pop_future.shape
    if model.zero:
        return np.zeros((n_paths, k_count, horizon), dtype=np.int64)
    coef = rng.multivariate_normal(model.coef, model.cov, size=n_paths, method="eigh")
    steps = damped_steps(np.arange(1, horizon + 1), model.damping)
    log_rate = coef[:, :1] + coef[:, 1:2] * steps[None, :]  # (P, H)
    if model.year_sd > 0:
        shocks = rng.normal(-0.5 * model.year_sd**2, model.year_sd, size=(n_paths, horizon))
        log_rate = log_rate + shocks
    theta = rng.gamma(model.theta_shape, 1.0 / model.theta_rate, size=(n_paths, k_count))
    mu = np.exp(log_rate)[:, None, :] * theta[:, :, None] * pop_future[None, :, :]
    if model.alpha > 0:
        mu = mu * rng.gamma(1.0 / model.alpha, model.alpha, size=mu.shape)
    return rng.poisson(mu)
