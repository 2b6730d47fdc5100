"""Configuration: the only place that reads environment variables."""
from __future__ import annotations

import os
import secrets
from pathlib import Path


def production() -> bool:
    return os.environ.get("DECISION_AID_ENV", "development") == "production"


def _secret_key(instance_path: Path, name: str = "SECRET_KEY", file_name: str = "secret_key") -> str:
    """A key from the environment, else one generated once and kept in the instance folder.

    In production the key must come from the environment, so every app server shares it.
    """
    from_env = os.environ.get(name)
    if from_env:
        if production() and len(from_env) < 32:
            raise RuntimeError(f"{name} must be at least 32 characters in production")
        return from_env
    if production():
        raise RuntimeError(f"{name} must be set in production (DECISION_AID_ENV=production)")
    key_file = instance_path / file_name
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


def trusted_proxies() -> list[str]:
    return [entry.strip() for entry in os.environ.get("TRUSTED_PROXIES", "127.0.0.1,::1").split(",") if entry.strip()]


def from_environment(instance_path: Path) -> dict:
    return {
        "SECRET_KEY": _secret_key(instance_path),
        # Seals the audit chain (HMAC). Kept out of the database, so writing to it cannot re-seal.
        "AUDIT_KEY": _secret_key(instance_path, "AUDIT_KEY", "audit_key"),
        # Where each committed audit entry's number and seal are also written (see audit/log.py).
        "AUDIT_HEAD_FILE": os.environ.get("AUDIT_HEAD_FILE", str(instance_path / "audit-head.log")),
        # The schema's owner, for migrations; DATABASE_URL can then be a role with fewer rights.
        "MIGRATION_DATABASE_URI": os.environ.get("MIGRATION_DATABASE_URL", ""),
        "SQLALCHEMY_DATABASE_URI": os.environ.get(
            "DATABASE_URL", f"sqlite:///{instance_path / 'decision_aid.sqlite3'}"),
        # Empty means the newest content version in decision_aid/content/versions/.
        "CONTENT_VERSION": os.environ.get("CONTENT_VERSION", ""),
        # A translation whose English changed after translating stops start-up, except in
        # production, where it is logged as a warning and shown (content/translations.py).
        "REFUSE_STALE_TRANSLATIONS": not production(),
        "PDF_CACHE_DIR": os.environ.get("PDF_CACHE_DIR", str(instance_path / "pdf-cache")),
        # Render a revision's PDFs in the background as soon as it is saved ("0" turns it off).
        "PDF_PRERENDER": os.environ.get("PDF_PRERENDER", "1") != "0",
        "MAX_CONTENT_LENGTH": 256 * 1024,
        "IDLE_TIMEOUT_MINUTES": int(os.environ.get("IDLE_TIMEOUT_MINUTES", "15")),
        "ABSOLUTE_TIMEOUT_MINUTES": int(os.environ.get("ABSOLUTE_TIMEOUT_MINUTES", str(12 * 60))),
        # Secure cookies need HTTPS: on in production, or with HTTPS=1.
        "SESSION_COOKIE_SECURE": production() or os.environ.get("HTTPS", "0") == "1",
        "PREFERRED_URL_SCHEME": "https" if production() else "http",
        # How many reverse proxies in front of the app set X-Forwarded-* (0: none, trust nothing).
        "PROXY_COUNT": int(os.environ.get("PROXY_COUNT", "1" if production() else "0")),
        # Who may set X-Forwarded-* (addresses or networks); gunicorn_conf.py trusts the same list.
        "TRUSTED_PROXIES": trusted_proxies(),
        "DEBUG": False if production() else os.environ.get("FLASK_DEBUG") == "1",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # __Host-: browsers take this cookie only if Secure, for the whole site and with no Domain,
        # so no subdomain or plain-HTTP page can plant or overwrite a session (production is HTTPS).
        "SESSION_COOKIE_NAME": "__Host-decision_aid_session" if production() else "decision_aid_session",
        # SQL parameters are patient answers: keep them out of database error messages (which the
        # 500 handler logs with their traceback) and out of SQL logging, if an operator turns it on.
        "SQLALCHEMY_ENGINE_OPTIONS": {"hide_parameters": True},
    }
