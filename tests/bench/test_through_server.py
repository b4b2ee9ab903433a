"""The arithmetic behind the through-the-server benchmarks' figures (percentiles, ratios, rates)."""

from __future__ import annotations

import pytest

from bench.through_server import chosen_modes, per_minute, percentile, ratio


def test_percentiles_interpolate_between_ranks():
    runs = [0.9, 0.5, 0.7, 1.9, 0.6]
    assert percentile(runs, 50) == pytest.approx(0.7)  # the median, whatever the order
    assert percentile([1.0, 2.0], 50) == pytest.approx(1.5)
    # p95 of 20 runs lies between the two slowest, nearer the slowest.
    twenty = [float(i) for i in range(1, 21)]
    assert percentile(twenty, 95) == pytest.approx(19.05)
    assert percentile([3.0], 95) == 3.0


def test_the_goal_ratios_compare_with_the_floor():
    assert ratio(0.81, 1.86) == pytest.approx(0.435, abs=1e-3)  # the latency figures
    assert per_minute(16, 35.7) == pytest.approx(26.9, abs=0.05)  # its saturated run
    assert ratio(per_minute(16, 35.7), 60.5) == pytest.approx(0.44, abs=0.01)


def test_impossible_inputs_are_refused_not_divided():
    with pytest.raises(ValueError):
        ratio(1.0, 0.0)
    with pytest.raises(ValueError):
        per_minute(4, 0.0)
    with pytest.raises(ValueError):
        percentile([], 50)


def test_both_means_each_mode_in_turn():
    assert chosen_modes("both") == ["reuse", "fresh"]
    assert chosen_modes("fresh") == ["fresh"]
    with pytest.raises(ValueError, match="reuse, fresh or both"):
        chosen_modes("pooled")
