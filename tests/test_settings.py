"""Where momq finds its data, state and connection settings."""

import pytest

from momq import settings
from momq.errors import ConfigError


def test_home_from_env(tmp_path, monkeypatch):
    monkeypatch.setenv("MOMQ_HOME", str(tmp_path / "state"))
    assert settings.home() == tmp_path / "state"
    assert (tmp_path / "state").is_dir()


def test_shared_dir_found_beside_the_clone():
    assert (settings.data_dir() / "ngql").is_dir()


def test_shared_dir_env_must_hold_data(tmp_path, monkeypatch):
    monkeypatch.setenv("MOMQ_SHARED", str(tmp_path))
    with pytest.raises(ConfigError, match="has no data/ folder"):
        settings.shared_dir()


def test_engine_settings_env_overrides_file(tmp_path, monkeypatch):
    config = tmp_path / "config.toml"
    config.write_text('[engines.postgres]\nurl = "postgresql://file"\n[engines.cypher]\nuser = "neo4j"\n')
    monkeypatch.setenv("MOMQ_CONFIG", str(config))
    settings.reload()
    try:
        assert settings.engine_settings("postgres") == {"url": "postgresql://file"}
        monkeypatch.setenv("MOMQ_POSTGRES_URL", "postgresql://env")
        assert settings.engine_settings("postgres")["url"] == "postgresql://env"
        assert settings.engine_settings("cypher") == {"user": "neo4j"}
        assert settings.engine_settings("mysql") == {}
    finally:
        settings.reload()


def test_bad_config_file(tmp_path, monkeypatch):
    config = tmp_path / "config.toml"
    config.write_text("[engines\n")
    monkeypatch.setenv("MOMQ_CONFIG", str(config))
    settings.reload()
    try:
        with pytest.raises(ConfigError, match="not valid TOML"):
            settings.engine_settings("postgres")
    finally:
        settings.reload()


def test_limits_are_read_once_and_again_after_reload(monkeypatch):
    """Queries check their limits against maxima read once per process; ``reload`` reads
    the environment again."""
    from momq.engines.base import check_limits

    monkeypatch.setenv("MOMQ_MAX_ROWS", "100")
    settings.reload()
    try:
        assert settings.limits(3600.0, 1_000_000) == (3600.0, 100)
        with pytest.raises(ConfigError, match="row cap"):
            check_limits(1, 101)
        monkeypatch.setenv("MOMQ_MAX_ROWS", "200")
        assert settings.limits(3600.0, 1_000_000) == (3600.0, 100)  # not read again per query
        settings.reload()
        assert check_limits(1, 150) == (1.0, 150)
    finally:
        monkeypatch.delenv("MOMQ_MAX_ROWS")
        settings.reload()
    assert check_limits(1, 5000) == (1.0, 5000)
