"""Configuration: the only place that reads environment variables."""
from __future__ import annotations

import os
import secrets
from pathlib import Path


def _secret_key(instance_path: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the instance folder."""
    from_env = os.environ.get("SECRET_KEY")
    if from_env:
        return from_env
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        # O_EXCL: two workers starting at once must not write two different keys.
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
    return key_file.read_text().strip()


def from_environment(instance_path: Path) -> dict:
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": os.environ.get(
            "DATABASE_URL", f"sqlite:///{instance_path / 'decision_aid.sqlite3'}"),
        # Empty means the newest content version in decision_aid/content/versions/.
        "CONTENT_VERSION": os.environ.get("CONTENT_VERSION", ""),
        "PDF_CACHE_DIR": os.environ.get("PDF_CACHE_DIR", str(instance_path / "pdf-cache")),
        "MAX_CONTENT_LENGTH": 256 * 1024,
    }
