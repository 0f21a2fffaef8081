"""Count models for aberration detection: how unusual is a count, given a unit's history.

Pure arithmetic, no durandwatch types. The escalation stage asks two questions of every
unit's daily counts, both borrowed from public-health surveillance, where the problem
(sparse, over-dispersed counts, small or empty baselines, a decision every day) is the
same:

* **Is the recent window unusual?** The baseline is the unit's own count over the weeks
  just before the window. As in the Farrington method (Farrington et al. 1996, J. R.
  Stat. Soc. A 159:547; improved by Noufaily et al. 2013, Stat. Med. 32:1206), the
  threshold is an upper quantile of a negative binomial predictive distribution rather
  than a Poisson one, so over-dispersion (violence comes in clusters) does not flood the
  analyst with alarms. Two sources of extra variance add up: the uncertainty of a rate
  estimated from a short, often empty baseline (a gamma prior updated with the baseline
  counts gives a gamma-Poisson, i.e. negative binomial, predictive: :func:`predictive`)
  and the clustering seen in the unit's past year (a method-of-moments dispersion
  estimate: :func:`dispersion_size`). A one-day window against the days before it is the
  shape of CDC's EARS C1 (Hutwagner et al. 2003, J. Urban Health 80:i89).
* **Is there a slow build-up?** A one-sided Poisson CUSUM (Page 1954; Lucas 1985,
  Technometrics 27:129) of weekly counts against the year's weekly mean accumulates
  small excesses that no single week shows: :func:`poisson_cusum`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

#: Upper-tail sums stop after this many terms (far beyond any count a unit reaches).
_MAX_TERMS = 100_000


@dataclass(frozen=True, slots=True)
class Predictive:
    """A negative binomial count distribution: ``mean`` and ``size`` (var = m + m²/size).

    ``size`` is infinite for a Poisson distribution.
    """

    mean: float
    size: float

    def upper_tail(self, observed: int) -> float:
        """P(X >= observed)."""
        return nb_upper_tail(observed, self.mean, self.size)


def predictive(
    baseline_events: int,
    baseline_days: float,
    window_days: float,
    *,
    prior_events: float,
    prior_days: float,
    dispersion: float = math.inf,
) -> Predictive:
    """The count expected in a window of ``window_days``, from a unit's baseline.

    The daily rate has a gamma prior worth ``prior_events`` events over ``prior_days``
    days (a quiet unit); the baseline updates it to a gamma posterior with shape
    ``prior_events + baseline_events``. The posterior predictive of a Poisson count is
    negative binomial with that shape as its size. ``dispersion`` is the size of the
    unit's own clustering for a window of this length (:func:`dispersion_size`); the two
    variances add, so the sizes combine harmonically.
    """
    shape = prior_events + baseline_events
    mean = shape / (prior_days + baseline_days) * window_days
    inverse = 1.0 / shape + (0.0 if math.isinf(dispersion) else 1.0 / dispersion)
    return Predictive(mean, 1.0 / inverse if inverse > 0 else math.inf)


def dispersion_size(counts: Sequence[int], *, minimum: float = 1.0) -> float:
    """The negative binomial size that matches the counts' variance (method of moments).

    ``inf`` when the counts are not over-dispersed (variance <= mean) or there are too
    few of them to say; never below ``minimum``, so one extreme week in a quiet year
    cannot make every later count look ordinary.
    """
    n = len(counts)
    if n < 4:
        return math.inf
    mean = sum(counts) / n
    variance = sum((c - mean) ** 2 for c in counts) / (n - 1)
    if mean <= 0 or variance <= mean:
        return math.inf
    return max(minimum, mean * mean / (variance - mean))


def nb_upper_tail(observed: int, mean: float, size: float) -> float:
    """P(X >= observed) for a negative binomial with ``mean`` and ``size`` (Poisson if inf).

    Summed from ``observed`` upwards in log space, so tiny tails keep their precision
    (the evidence is reported as -log10 of this).
    """
    if observed <= 0:
        return 1.0
    if mean <= 0:
        return 0.0
    if observed <= mean:
        # Not in the upper tail: 1 - P(X < observed), a short sum from 0 (and no
        # precision is lost, the answer being at least about a half).
        return min(1.0, max(0.0, 1.0 - _lower_sum(observed, mean, size)))
    if math.isinf(size):
        log_ratio = math.log(mean)
        log_term = observed * log_ratio - mean - math.lgamma(observed + 1)

        def next_log(x: int, log_t: float) -> float:
            return log_t + log_ratio - math.log(x + 1)
    else:
        p = size / (size + mean)  # success probability
        log_q = math.log1p(-p)
        log_term = (
            math.lgamma(observed + size)
            - math.lgamma(size)
            - math.lgamma(observed + 1)
            + size * math.log(p)
            + observed * log_q
        )

        def next_log(x: int, log_t: float) -> float:
            return log_t + math.log(x + size) - math.log(x + 1) + log_q

    total = 0.0
    peak = log_term
    x = observed
    for _ in range(_MAX_TERMS):
        total += math.exp(log_term - peak)
        following = next_log(x, log_term)
        if following > peak:  # still climbing towards the mode: rescale
            total *= math.exp(peak - following)
            peak = following
        elif following - peak < -40 and following < log_term:
            break
        log_term = following
        x += 1
    tail = math.exp(peak) * total
    return min(1.0, tail)


def _lower_sum(observed: int, mean: float, size: float) -> float:
    """P(X < observed), summed term by term from 0."""
    if math.isinf(size):
        term = math.exp(-mean)
        total = 0.0
        for x in range(observed):
            total += term
            term *= mean / (x + 1)
        return total
    p = size / (size + mean)
    log_q = math.log1p(-p)
    log_term = size * math.log(p)
    total = 0.0
    for x in range(observed):
        total += math.exp(log_term)
        log_term += math.log(x + size) - math.log(x + 1) + log_q
    return total


def evidence(p_value: float) -> float:
    """-log10 of a tail probability: 2 is one in a hundred, 3 one in a thousand."""
    return -math.log10(max(p_value, 1e-300))


def poisson_cusum(counts: Sequence[int], reference: float, shifted: float) -> float:
    """The one-sided Poisson CUSUM after ``counts`` (oldest first), in log-likelihood units.

    Tests an in-control mean ``reference`` per period against ``shifted`` (> reference):
    each period adds ``x * ln(shifted / reference) - (shifted - reference)`` and the sum
    is kept at or above zero, so a long quiet spell cannot bank credit against a later
    rise. Alarm when it exceeds a decision interval (:func:`cusum_interval`).
    """
    if reference <= 0 or shifted <= reference:
        raise ValueError("need 0 < reference < shifted")
    gain = math.log(shifted / reference)
    drift = shifted - reference
    statistic = 0.0
    for count in counts:
        statistic = max(0.0, statistic + count * gain - drift)
    return statistic


def cusum_interval(reference: float, shifted: float, in_control_periods: float) -> float:
    """The decision interval h that gives a CUSUM of :func:`poisson_cusum` this in-control
    average run length (periods between false signals when nothing changes).

    Wald's approximation for a log-likelihood-ratio CUSUM: ARL0 ~ (e^h - h - 1) / K,
    where K = reference * ln(reference / shifted) + shifted - reference is the
    Kullback-Leibler divergence per period (Siegmund 1985, "Sequential Analysis").
    A fixed h would signal far more often at high rates than at low ones.
    """
    if reference <= 0 or shifted <= reference or in_control_periods <= 0:
        raise ValueError("need 0 < reference < shifted and a positive run length")
    divergence = reference * math.log(reference / shifted) + shifted - reference
    target = in_control_periods * divergence
    h = max(1.0, math.log(target + 2.0))
    for _ in range(50):  # h = ln(target + h + 1) is a contraction for h >= 1
        following = math.log(target + h + 1.0)
        if abs(following - h) < 1e-9:
            break
        h = following
    return h
