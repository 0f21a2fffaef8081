"""Count models: tails against reference values, dispersion, CUSUM and its interval."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from durandwatch.aberration import (
    cusum_interval,
    dispersion_size,
    evidence,
    nb_upper_tail,
    poisson_cusum,
    predictive,
)

# (observed, mean, size, P(X >= observed)) computed with scipy.stats 1.x (nbinom.sf,
# poisson.sf), which durandwatch does not depend on.
REFERENCE = [
    (3, 0.0625, 0.5, 4.478217e-04),
    (3, 2.0, math.inf, 0.3233236),
    (10, 2.0, math.inf, 4.649808e-05),
    (20, 5.0, 3.0, 3.145871e-03),
    (1, 0.3, 0.6, 0.2159473),
    (1065, 848.293, 0.1366505, 0.1783239),
    (400, 10.0, math.inf, 1.2e-540),  # beyond floats: reported as 0
]


@pytest.mark.parametrize(("observed", "mean", "size", "expected"), REFERENCE)
def test_upper_tail_matches_reference_values(
    observed: int, mean: float, size: float, expected: float
) -> None:
    got = nb_upper_tail(observed, mean, size)
    if expected < 1e-300:
        assert got == 0.0
    else:
        assert got == pytest.approx(expected, rel=1e-5)


@settings(max_examples=200)
@given(
    st.integers(0, 200),
    st.floats(1e-3, 300.0),
    st.one_of(st.just(math.inf), st.floats(0.05, 1000.0)),
)
def test_upper_tail_is_a_probability_that_falls_with_the_count(
    observed: int, mean: float, size: float
) -> None:
    p = nb_upper_tail(observed, mean, size)
    assert 0.0 <= p <= 1.0
    assert nb_upper_tail(observed + 1, mean, size) <= p + 1e-12


def test_over_dispersion_makes_a_count_less_surprising() -> None:
    poisson = nb_upper_tail(8, 2.0, math.inf)
    clustered = nb_upper_tail(8, 2.0, 1.0)
    assert clustered > 10 * poisson
    assert evidence(0.01) == pytest.approx(2.0)


def test_predictive_of_an_empty_baseline_is_the_prior() -> None:
    model = predictive(0, 28, 7, prior_events=0.5, prior_days=7)
    assert model.mean == pytest.approx(0.5 / 35 * 7)
    assert model.size == pytest.approx(0.5)
    busy = predictive(40, 28, 7, prior_events=0.5, prior_days=7, dispersion=2.0)
    assert busy.mean == pytest.approx(40.5 / 35 * 7)
    assert busy.size == pytest.approx(1 / (1 / 40.5 + 1 / 2.0))


def test_dispersion_size() -> None:
    assert dispersion_size([2, 2, 2, 2, 2]) == math.inf  # no excess variance
    assert dispersion_size([0, 0, 9, 0, 1, 0]) == pytest.approx(1.0)  # floored
    assert dispersion_size([1, 2]) == math.inf  # too few to say
    mean, var = 3.0, sum((c - 3.0) ** 2 for c in [1, 5, 2, 4, 3, 6, 0]) / 6
    assert dispersion_size([1, 5, 2, 4, 3, 6, 0]) == pytest.approx(mean**2 / (var - mean))


def test_cusum_accumulates_small_excesses_and_forgets_quiet_spells() -> None:
    assert poisson_cusum([1, 1, 1, 1], 1.0, 2.0) == 0.0
    rising = poisson_cusum([2, 3, 3, 4], 1.0, 2.0)
    assert rising > poisson_cusum([2, 3], 1.0, 2.0) > 0
    assert poisson_cusum([9, 0, 0, 0, 0, 0, 0, 0, 0, 0], 1.0, 2.0) == 0.0
    with pytest.raises(ValueError, match="reference"):
        poisson_cusum([1], 2.0, 1.0)


def test_cusum_interval_grows_with_the_run_length_and_the_rate() -> None:
    low = cusum_interval(0.3, 1.3, 104)
    assert cusum_interval(0.3, 1.3, 520) > low
    assert cusum_interval(20, 30, 104) > low
    h = cusum_interval(2.0, 3.0, 104)
    k = 2.0 * math.log(2.0 / 3.0) + 1.0
    assert (math.exp(h) - h - 1) / k == pytest.approx(104, rel=1e-6)
