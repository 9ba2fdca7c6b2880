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
    settings._config_file.cache_clear()
    try:
        assert settings.engine_settings("postgres") == {"url": "postgresql://file"}
        monkeypatch.setenv("MOMQ_POSTGRES_URL", "postgresql://env")
        assert settings.engine_settings("postgres")["url"] == "postgresql://env"
        assert settings.engine_settings("cypher") == {"user": "neo4j"}
        assert settings.engine_settings("mysql") == {}
    finally:
        settings._config_file.cache_clear()


def test_bad_config_file(tmp_path, monkeypatch):
    config = tmp_path / "config.toml"
    config.write_text("[engines\n")
    monkeypatch.setenv("MOMQ_CONFIG", str(config))
    settings._config_file.cache_clear()
    try:
        with pytest.raises(ConfigError, match="not valid TOML"):
            settings.engine_settings("postgres")
    finally:
        settings._config_file.cache_clear()
