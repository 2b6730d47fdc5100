"""The content library kept on the app: every content version, and which one is current."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from flask import Flask, current_app

from .content import Content, ContentError, load_all
from .content.loader import VERSIONS_DIR
from .signoff import latest

EXTENSION_KEY = "decision_aid.content"


def init_app(app: Flask) -> None:
    """Load and check every content version; a broken file stops start-up here."""
    versions_dir = Path(app.config.get("CONTENT_DIR") or VERSIONS_DIR)
    versions = load_all(versions_dir, static_root=Path(app.static_folder))
    wanted = app.config.get("CONTENT_VERSION") or list(versions)[-1]
    if wanted not in versions:
        raise ContentError(f"CONTENT_VERSION={wanted!r} is not one of {sorted(versions)}")
    app.config["CONTENT_VERSION"] = wanted
    app.extensions[EXTENSION_KEY] = versions

    @app.context_processor
    def _content_in_templates() -> dict:
        content = current_content()
        return {"content": content, "content_due_for_review": due_for_review(content),
                "content_signoff": latest(content.version, content.content_hash)}


def current_content() -> Content:
    return current_app.extensions[EXTENSION_KEY][current_app.config["CONTENT_VERSION"]]


def all_versions() -> dict[str, Content]:
    """Every loaded content version, oldest first."""
    return current_app.extensions[EXTENSION_KEY]


def content_version(version: str) -> Content:
    """An exact earlier content version, so a saved discussion reprints as it was shown."""
    return current_app.extensions[EXTENSION_KEY][version]


def content_for_record(version: str, content_hash: str) -> Content:
    """The content a saved discussion was shown. Published versions must never change."""
    content = content_version(version)
    if content.content_hash != content_hash:
        current_app.logger.error("Content version %s has changed since a discussion was saved "
                                 "with it; reprints will differ from what was shown", version)
    return content


def due_for_review(content: Content, today: dt.date | None = None) -> bool:
    return (today or dt.date.today()) > content.meta.next_review
