"""Bayesian inference with numpyro: NUTS and SVI over named model parameters.

The numpyro model draws each named parameter from its prior, puts the values into the
neurojax model (`set_params`), runs the user's `simulator` (typically `nj.simulate` and a
data feature such as a log power spectrum) and scores the prediction against the observed
data with a `Gaussian` likelihood. NUTS differentiates this through the diffrax solve.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from typing import Any, Literal

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax

from ..core import as_float_array
from ._params import Parameter, _select, set_params

_NOISE_SITE = "likelihood.sigma"


class Gaussian(eqx.Module):
    r"""Gaussian likelihood of the observed data around the simulator's prediction:
    $y \sim \mathcal N(\hat y(\theta), \sigma^2)$, independently per entry.

    Args:
        sigma: the noise standard deviation, in the units of the data: a number or an array
            broadcastable to the data (given), or a numpyro distribution over positive values
            (a prior: sigma is then inferred, as the site `"likelihood.sigma"`).
    """

    sigma: Any

    def __check_init__(self):
        import numpyro.distributions as dist

        if isinstance(self.sigma, dist.Distribution):
            lower, _ = _support_bounds(self.sigma.support, "likelihood sigma")
            if lower < 0:
                raise ValueError(f"Gaussian: the prior on `sigma` must have positive support "
                                 f"(e.g. dist.HalfNormal(1.)); got {type(self.sigma).__name__} "
                                 f"with support {self.sigma.support}.")
            return
        value = np.asarray(self.sigma, dtype=float)
        if not np.all(np.isfinite(value)) or np.any(value <= 0):
            raise ValueError(f"Gaussian: `sigma` must be positive and finite (units of the "
                             f"data); got {self.sigma!r}.")

    def log_likelihood_site(self, predicted, observed) -> None:
        """Samples the noise (if inferred) and observes the data (inside a numpyro model)."""
        import numpyro
        import numpyro.distributions as dist

        sigma = self.sigma
        if isinstance(sigma, dist.Distribution):
            sigma = numpyro.sample(_NOISE_SITE, sigma)
        numpyro.sample("observed", dist.Normal(predicted, sigma).to_event(predicted.ndim),
                       obs=observed)


# ---------------------------------------------------------------- checks
def _support_bounds(support, what: str) -> tuple[float, float]:
    """(lower, upper) of a numpyro constraint on real numbers."""
    from numpyro.distributions import constraints as c

    while isinstance(support, c._IndependentConstraint):
        support = support.base_constraint
    real_like = (c._Real, c._RealVector, c._RealMatrix)
    bounded = (c._GreaterThan, c._GreaterThanEq, c._LessThan, c._LessThanEq, c._Interval,
               c._OpenInterval, c._Positive, c._Nonnegative, c._UnitInterval,
               c._SoftplusPositive)
    if isinstance(support, real_like):
        return -math.inf, math.inf
    if isinstance(support, bounded) and not support.is_discrete:
        lower = getattr(support, "lower_bound", None)
        upper = getattr(support, "upper_bound", None)
        lower = -math.inf if lower is None else float(np.min(lower))
        upper = math.inf if upper is None else float(np.max(upper))
        return lower, upper
    raise ValueError(f"nj.fit: the prior of {what} has support {support}, which is not an "
                     f"interval of real numbers; use a continuous distribution on the real "
                     f"line, a half-line or an interval.")


def _check_priors(model, priors: Mapping[str, Any]) -> list[tuple[str, Parameter]]:
    import numpyro.distributions as dist

    if not isinstance(priors, Mapping) or not priors:
        raise ValueError("nj.fit: `priors` must be a non-empty dict of parameter name -> "
                         "numpyro distribution, e.g. {'A': dist.Uniform(2., 5.)}.")
    chosen = _select(model, list(priors))
    for name, p in chosen:
        prior = priors[name]
        if not isinstance(prior, dist.Distribution):
            raise TypeError(f"nj.fit: the prior of {name!r} must be a numpyro distribution; "
                            f"got {type(prior).__name__}.")
        lower, upper = _support_bounds(prior.support, repr(name))
        c = p.constraint
        if lower < c.lower or upper > c.upper:
            raise ValueError(
                f"nj.fit: the prior of {name!r} ({type(prior).__name__}) has support "
                f"[{lower:g}, {upper:g}], outside the values {p.describe()} may take "
                f"({c.describe()}). Use a prior inside it, e.g. dist.Uniform, "
                f"dist.TruncatedNormal(low=..., high=...) or dist.LogNormal for a positive one.")
        shape = tuple(prior.batch_shape) + tuple(prior.event_shape)
        allowed = {p.shape, ()} | ({(p.size,)} if p.size is not None else set())
        if shape not in allowed:
            raise ValueError(f"nj.fit: the prior of {name!r} draws shape {shape}; the parameter "
                             f"takes shape {p.shape}"
                             f"{f' or ({p.size},)' if p.size is not None else ''}.")
    return chosen


def _check_prediction(model, simulator, observed) -> jax.Array:
    observed = as_float_array(observed)
    predicted = jax.eval_shape(simulator, model)
    shape = getattr(predicted, "shape", None)
    if shape != observed.shape:
        raise ValueError(f"nj.fit: `observed` has shape {observed.shape}, but `simulator(model)` "
                         f"returns {shape if shape is not None else type(predicted).__name__}; "
                         f"they must be the same features (e.g. the same frequency bins).")
    return observed


def _numpyro_model(model, priors, simulator, likelihood, observed):
    import numpyro

    def numpyro_model():
        values = {name: numpyro.sample(name, prior) for name, prior in priors.items()}
        likelihood.log_likelihood_site(simulator(set_params(model, values)), observed)

    return numpyro_model


def _init_strategy(init):
    from numpyro.infer import init_to_median, init_to_value

    if init is None:
        return init_to_median(num_samples=15)
    if not isinstance(init, Mapping):
        raise TypeError(f"nj.fit: `init` must be None (the priors' medians) or a dict of name "
                        f"-> starting value; got {type(init).__name__}.")
    return init_to_value(values={k: as_float_array(v) for k, v in init.items()})


# ---------------------------------------------------------------- results
@dataclasses.dataclass(frozen=True)
class Posterior:
    """Posterior draws and their diagnostics.

    Attributes:
        samples: name -> draws, shape `(draws, *parameter shape)` (chains concatenated).
        by_chain: name -> draws per chain, `(chains, draws, ...)` (MCMC only, else None).
        r_hat: name -> split Gelman-Rubin statistic (MCMC only).
        ess: name -> effective sample size (MCMC only).
        divergences: number of divergent transitions after warm-up (NUTS only).
        tree_size: mean number of leapfrog steps (gradient evaluations) per draw (NUTS only).
        losses: the negative ELBO at every step (SVI only).
        guide, guide_params: the fitted numpyro guide and its parameters (SVI only).
        mcmc: the numpyro `MCMC` object (NUTS only), for further numpyro diagnostics.
    """

    samples: dict[str, np.ndarray]
    by_chain: dict[str, np.ndarray] | None = None
    r_hat: dict[str, np.ndarray] | None = None
    ess: dict[str, np.ndarray] | None = None
    divergences: int | None = None
    tree_size: float | None = None
    losses: np.ndarray | None = None
    guide: Any = None
    guide_params: dict | None = None
    mcmc: Any = None

    def mean(self) -> dict[str, np.ndarray]:
        """Posterior means."""
        return {k: v.mean(axis=0) for k, v in self.samples.items()}

    def std(self) -> dict[str, np.ndarray]:
        """Posterior standard deviations."""
        return {k: v.std(axis=0) for k, v in self.samples.items()}

    def interval(self, prob: float = 0.9) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Equal-tailed credible intervals holding `prob` of the posterior mass."""
        if not 0 < prob < 1:
            raise ValueError(f"Posterior.interval: `prob` must be in (0, 1); got {prob}.")
        q = [(1 - prob) / 2, (1 + prob) / 2]
        return {k: tuple(np.quantile(v, q, axis=0)) for k, v in self.samples.items()}

    def summary(self) -> str:
        """A table: mean, std, 90% interval (and r_hat, ESS for MCMC) per parameter."""
        lines = [f"{'parameter':<28}{'mean':>11}{'std':>11}{'5%':>11}{'95%':>11}"
                 + (f"{'r_hat':>8}{'ess':>9}" if self.r_hat is not None else "")]
        lows = self.interval(0.9)
        for k, v in self.samples.items():
            for i, (m, s, lo, hi) in enumerate(zip(*(np.ravel(a) for a in (
                    v.mean(0), v.std(0), lows[k][0], lows[k][1])), strict=True)):
                label = k if v.ndim == 1 else f"{k}[{i}]"
                row = f"{label:<28}{m:>11.4g}{s:>11.4g}{lo:>11.4g}{hi:>11.4g}"
                if self.r_hat is not None:
                    row += f"{np.ravel(self.r_hat[k])[i]:>8.3f}{np.ravel(self.ess[k])[i]:>9.0f}"
                lines.append(row)
        if self.divergences is not None:
            lines.append(f"divergent transitions: {self.divergences}; mean tree size: "
                         f"{self.tree_size:.1f} leapfrog steps")
        return "\n".join(lines)


# ---------------------------------------------------------------- NUTS
def nuts(model, observed, priors: Mapping[str, Any], *,
         simulator: Callable[[Any], jax.Array], likelihood: Gaussian, key: jax.Array,
         num_warmup: int = 500, num_samples: int = 500, num_chains: int = 1,
         init: Mapping[str, Any] | None = None, target_accept: float = 0.8,
         max_tree_depth: int = 10, dense_mass: bool = False,
         chain_method: Literal["auto", "parallel", "sequential", "vectorized"] = "auto",
         progress: bool = True) -> Posterior:
    """Samples the posterior of named parameters with the No-U-Turn sampler (numpyro).

    Args:
        model: a population or an `nj.Network`; parameters without a prior keep its values.
        observed: the data features, the shape `simulator(model)` returns.
        priors: parameter name -> numpyro distribution (`{"jr.A": dist.Uniform(2., 5.)}`);
            each prior's support must lie within the parameter's constraint.
        simulator: `model -> predicted features` (simulate, then e.g. `log_spectrum`).
        likelihood: `Gaussian(sigma)`, sigma given or with a prior (inferred).
        key: PRNG key.
        num_warmup, num_samples, num_chains: numpyro `MCMC` settings.
        init: starting values by name (default: the priors' medians).
        target_accept, max_tree_depth, dense_mass: NUTS settings.
        chain_method: numpyro's; `"auto"`: `"vectorized"` (chains batched with vmap) for
            several chains. (`"parallel"`, pmap over devices, fails inside diffrax's
            checkpointed solve loop with jax 0.10 / equinox 0.13.)
        progress: numpyro's progress bar.

    Returns:
        A `Posterior` with draws, split r_hat, ESS and the number of divergences
        (`numpyro.diagnostics`).

    Raises:
        ValueError: unknown parameter names, priors outside a parameter's constraint, data
            of another shape than the simulator's output.
    """
    from numpyro.diagnostics import summary
    from numpyro.infer import MCMC, NUTS

    _check_priors(model, priors)
    observed = _check_prediction(model, simulator, observed)
    if not isinstance(likelihood, Gaussian):
        raise TypeError(f"nuts: `likelihood` must be nj.fit.Gaussian(sigma); got "
                        f"{type(likelihood).__name__}.")
    if chain_method == "auto":
        chain_method = "vectorized" if num_chains > 1 else "sequential"
    kernel = NUTS(_numpyro_model(model, priors, simulator, likelihood, observed),
                  target_accept_prob=target_accept, max_tree_depth=max_tree_depth,
                  dense_mass=dense_mass, init_strategy=_init_strategy(init))
    mcmc = MCMC(kernel, num_warmup=num_warmup, num_samples=num_samples, num_chains=num_chains,
                chain_method=chain_method, progress_bar=progress)
    mcmc.run(key, extra_fields=("diverging", "num_steps"))
    by_chain = {k: np.asarray(v) for k, v in mcmc.get_samples(group_by_chain=True).items()}
    stats = summary(by_chain, group_by_chain=True)
    extra = mcmc.get_extra_fields()
    return Posterior(
        samples={k: v.reshape((-1,) + v.shape[2:]) for k, v in by_chain.items()},
        by_chain=by_chain,
        r_hat={k: np.asarray(s["r_hat"]) for k, s in stats.items()},
        ess={k: np.asarray(s["n_eff"]) for k, s in stats.items()},
        divergences=int(np.sum(np.asarray(extra["diverging"]))),
        tree_size=float(np.mean(np.asarray(extra["num_steps"]))), mcmc=mcmc)


# ---------------------------------------------------------------- SVI
def svi(model, observed, priors: Mapping[str, Any], *,
        simulator: Callable[[Any], jax.Array], likelihood: Gaussian, key: jax.Array,
        guide: Literal["normal", "mvn"] = "normal", steps: int = 1000,
        optimizer: optax.GradientTransformation | None = None, num_particles: int = 1,
        num_samples: int = 1000, init: Mapping[str, Any] | None = None,
        progress: bool = True) -> Posterior:
    """Stochastic variational inference (numpyro) over named parameters.

    Args:
        model, observed, priors, simulator, likelihood, key, init: as in `nuts`.
        guide: `"normal"` (`AutoNormal`: independent normals in the unconstrained space) or
            `"mvn"` (`AutoMultivariateNormal`: full-rank, ADVI).
        steps: optimisation steps of the ELBO.
        optimizer: an optax optimiser (default `optax.adam(1e-2)`).
        num_particles: Monte-Carlo samples of the ELBO per step.
        num_samples: posterior draws returned from the fitted guide.
        progress: numpyro's progress bar.

    Returns:
        A `Posterior` with `num_samples` draws from the guide, the ELBO losses, the guide and
        its parameters.
    """
    from numpyro.infer import SVI, Trace_ELBO
    from numpyro.infer.autoguide import AutoMultivariateNormal, AutoNormal

    _check_priors(model, priors)
    observed = _check_prediction(model, simulator, observed)
    if not isinstance(likelihood, Gaussian):
        raise TypeError(f"svi: `likelihood` must be nj.fit.Gaussian(sigma); got "
                        f"{type(likelihood).__name__}.")
    guides = {"normal": AutoNormal, "mvn": AutoMultivariateNormal}
    if guide not in guides:
        raise ValueError(f"svi: `guide` must be 'normal' (AutoNormal) or 'mvn' "
                         f"(AutoMultivariateNormal); got {guide!r}.")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"svi: `steps` must be a positive integer; got {steps!r}.")
    numpyro_model = _numpyro_model(model, priors, simulator, likelihood, observed)
    fitted_guide = guides[guide](numpyro_model, init_loc_fn=_init_strategy(init))
    engine = SVI(numpyro_model, fitted_guide, optax.adam(1e-2) if optimizer is None
                 else optimizer, Trace_ELBO(num_particles=num_particles))
    run_key, draw_key = jax.random.split(key)
    result = engine.run(run_key, steps, progress_bar=progress)
    losses = np.asarray(result.losses)
    if not np.isfinite(losses[-1]):
        raise FloatingPointError(f"svi: the ELBO became {losses[-1]} (first non-finite at step "
                                 f"{int(np.argmax(~np.isfinite(losses)))}); lower the learning "
                                 f"rate or narrow the priors.")
    draws = fitted_guide.sample_posterior(draw_key, result.params, sample_shape=(num_samples,))
    return Posterior(samples={k: np.asarray(v) for k, v in draws.items()}, losses=losses,
                     guide=fitted_guide, guide_params=jax.tree.map(jnp.asarray, result.params))
