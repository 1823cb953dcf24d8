"""The maturity validation bench still runs (small sizes), its Kendall tau is right, and its figures keep the
documented bound on what a coordinated group can do."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import maturity_validation  # noqa: E402

from app.quality import maturity  # noqa: E402


@pytest.mark.parametrize(("xs", "ys", "tau"), [
    ([1, 2, 3, 4], [1, 2, 3, 4], 1.0), ([1, 2, 3, 4], [4, 3, 2, 1], -1.0), ([1, 2, 3, 4], [1, 3, 2, 4], 4 / 6),
    ([1, 1, 2, 3], [1, 2, 3, 4], 5 / (5 * 6) ** 0.5)])        # tau-b: one tie in xs
def test_kendall_tau_b(xs: list[float], ys: list[float], tau: float) -> None:
    assert maturity_validation.kendall_tau_b(xs, ys) == pytest.approx(tau)


def test_the_simulation_is_seeded_and_keeps_the_group_bound(capsys) -> None:
    argv = ["--pages", "80", "--raters", "16", "--targets", "8", "--seed", "3", "--json"]
    maturity_validation.main(argv)
    first = json.loads(capsys.readouterr().out)
    maturity_validation.main(argv)
    second = json.loads(capsys.readouterr().out)
    first.pop("seconds"), second.pop("seconds")
    assert first == second                                      # seeded: the same figures
    assert (first["pages"], first["raters"], first["targets"], first["group_accounts"]) == (80, 16, 8, 5)
    assert first["lazy_raters"] >= 0 and first["ratings"] > 80
    bound = maturity.group_influence_bound(5) + 0.1
    assert first["documented_group_bound_points"] == round(bound, 2)
    for name in maturity_validation.LABELS:
        row = first["figures"][name]
        assert -1 <= row["tau_honest"] <= 1 and -1 <= row["tau_with_group"] <= 1
        assert row["group_moved_mean_points"] >= 0               # five 5s never push a page down
    for name in ("model", "model_ratings"):
        assert first["figures"][name]["group_moved_max_points"] <= bound
    assert first["figures"]["model"]["tau_honest"] > 0.3         # the model ranks by quality at all


def test_the_table_is_printed(capsys) -> None:
    maturity_validation.main(["--pages", "40", "--raters", "10", "--targets", "4"])
    out = capsys.readouterr().out
    assert "Maturity validation: 40 pages" in out and "plain mean (0-40)" in out and "tau honest" in out
