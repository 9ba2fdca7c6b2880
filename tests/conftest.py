"""Top-level test configuration: each engine backend keeps its fixtures in its own module."""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

pytest_plugins = ["tests.engines.sql_fixtures", "tests.engines.cypher_fixtures"]
