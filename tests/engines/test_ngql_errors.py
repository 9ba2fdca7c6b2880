"""The embedded nGQL engine: a corrupt or truncated snapshot and invalid limits are
clear errors, never tracebacks."""

from __future__ import annotations

import pickle

import pytest

from momq.engines import ngql
from momq.errors import ConfigError


@pytest.mark.parametrize(
    "content",
    [b"not a pickle at all", pickle.dumps({"version": 1, "spaces": {}})[:12], b""],
    ids=["garbage", "truncated", "empty"],
)
def test_a_corrupt_snapshot_is_a_config_error(content):
    path = ngql.snapshot_path("momq_corrupt_test")
    path.write_bytes(content)
    try:
        with pytest.raises(ConfigError, match="momq db build"):
            ngql.connect("momq_corrupt_test", {})
    finally:
        path.unlink()
