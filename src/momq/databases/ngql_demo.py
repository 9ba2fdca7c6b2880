"""Build NebulaGraph's demo spaces (basketballplayer, nba) in momq's embedded engine.

Each ``.ngql`` script of ``shared/data/ngql/graphs`` is loaded into a fresh embedded
database and saved as a snapshot (``momq.engines.ngql.snapshot_path``). A snapshot
newer than its script is kept (idempotent).
"""

from __future__ import annotations

from momq import settings
from momq.databases import NGQL_SPACES, Progress, generation
from momq.engines.ngql import snapshot_path


def build(names: list[str] | None = None, progress: Progress | None = None, force: bool = False) -> list[str]:
    """Load the named spaces (all by default); return the names actually (re)built."""
    from momq.ngql import NgqlDatabase

    names = list(names or NGQL_SPACES)
    built = []
    for name in names:
        script = settings.data_dir() / "ngql" / "graphs" / f"{name}.ngql"
        target = snapshot_path(name)
        if progress:
            progress(name, 0, 1)
        if force or not target.exists() or target.stat().st_mtime < script.stat().st_mtime:
            database = NgqlDatabase()
            database.load_script(script.read_text(encoding="utf-8"))
            database.save(target)
            generation.renew("ngql", name)
            built.append(name)
        if progress:
            progress(name, 1, 1)
    return built
