"""Helpers for import tests: run a whole import of a file the way the command line does."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.extensions import db
from app.imports.batches import create_batch, import_target, start_batch
from app.imports.mapping import detect_format, mapping_from_json
from app.imports.models import ImportBatch, ImportKind
from app.imports.pipeline import run_import
from app.imports.storage import file_sha256

DATA = Path(__file__).resolve().parents[1] / "data"


def import_file(
    path: str | Path,
    target: str = "Test register",
    *,
    kind: str = "records",
    mapping: dict | None = None,
    all_or_nothing: bool = False,
    user_id: int | None = None,
) -> ImportBatch:
    """Import a file into a partner source (or a source list) and return the finished batch."""
    path = Path(path)
    if not path.is_absolute():
        path = DATA / path
    target_obj = import_target(ImportKind(kind), target)
    sha256, size = file_sha256(path)
    batch = create_batch(
        kind, target_obj, path.name, sha256, size, all_or_nothing=all_or_nothing, user_id=user_id
    )
    with open(path, "rb") as stream:
        detect_format(batch, stream)
    if mapping is not None:
        batch.mapping = mapping_from_json(batch.headers, mapping)
    start_batch(batch)
    db.session.commit()
    return run_import(batch.id, path)


@pytest.fixture
def uploads(app, tmp_path, monkeypatch):
    """Uploads go to a temporary folder, not the instance folder."""
    folder = tmp_path / "uploads"
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(folder))
    return folder
