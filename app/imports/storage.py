"""Uploaded files on disk: stored under a random name, hashed, deleted once imported.

The user's file name never reaches the disk, and personal data is kept in the database, not in
stray files: an upload is deleted when its batch is imported or fails.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from pathlib import Path
from typing import BinaryIO

from flask import current_app

from app.imports.models import ImportBatch

__all__ = ["batch_path", "discard_upload", "file_sha256", "store_upload", "upload_folder"]

_READ_BLOCK = 1024 * 1024


def upload_folder() -> Path:
    folder = current_app.config.get("UPLOAD_FOLDER") or Path(current_app.instance_path) / "uploads"
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    return path


def store_upload(stream: BinaryIO) -> tuple[str, str, int]:
    """Save an upload under a random name; return (stored name, SHA-256, size in bytes)."""
    stored_name = secrets.token_hex(16) + ".csv"
    digest = hashlib.sha256()
    size = 0
    with open(upload_folder() / stored_name, "wb") as out:
        while block := stream.read(_READ_BLOCK):
            digest.update(block)
            size += len(block)
            out.write(block)
    return stored_name, digest.hexdigest(), size


def file_sha256(path: str | Path) -> tuple[str, int]:
    """SHA-256 and size of a file given on the command line."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while block := f.read(_READ_BLOCK):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def batch_path(batch: ImportBatch) -> Path | None:
    """The stored upload of a browser batch (None for a command-line import)."""
    return upload_folder() / batch.stored_name if batch.stored_name else None


def discard_upload(batch: ImportBatch) -> None:
    """Delete the stored upload, if any."""
    path = batch_path(batch)
    if path is not None:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
