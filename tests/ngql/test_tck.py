"""The conformance kit must not regress: the runner's pass count stays at or above the
checked-in baseline (raise ``tck_baseline.json`` when the engine improves)."""

import json
from pathlib import Path

import pytest

from momq.ngql.tck import run_features
from momq.settings import shared_dir

BASELINE = json.loads((Path(__file__).parent / "tck_baseline.json").read_text())["passed"]


def _features() -> Path:
    shared = shared_dir(required=False)
    if shared is None or not (shared / "data" / "ngql" / "tck" / "features").is_dir():
        pytest.skip("shared/data/ngql/tck is not available")
    return shared / "data" / "ngql" / "tck" / "features"


@pytest.mark.slow
def test_tck_pass_count_at_least_baseline():
    report = run_features([_features()], timeout_s=10)
    total = report.passed + report.failed
    assert total > 1500, "the kit should hold about 1,600 query steps"
    assert report.passed >= BASELINE, f"{report.passed} passed < baseline {BASELINE}; first failures: " + "; ".join(
        f"{f.feature}:{f.line}" for f in report.failures[:5]
    )


def test_tck_single_feature_runs():
    report = run_features([_features() / "expression" / "EndsWith.feature"])
    assert report.passed > 10 and report.failed == 0
