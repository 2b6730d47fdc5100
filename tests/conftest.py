import io
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from decision_aid import create_app
from decision_aid.content import OPTION_IDS
from decision_aid.content.loader import VERSIONS_DIR



@pytest.fixture
def make_app(tmp_path, monkeypatch):
    """A factory for apps with their own instance folder, database file and PDF cache."""
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)

    def make(**overrides):
        config = {"TESTING": True, "PDF_CACHE_DIR": str(tmp_path / "pdf-cache")}
        config.update(overrides)
        return create_app(config)

    return make


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def option_names(app):
    """The options' (short name, full name), in the fixed order: conservative care first."""
    content = app.extensions["decision_aid.content"][app.config["CONTENT_VERSION"]]
    return [(content.option(i).short_name, content.option(i).name) for i in OPTION_IDS]


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def content_copy(tmp_path):
    """A writable copy of the content versions, for tests that change or break a file."""
    target = tmp_path / "content-versions"
    shutil.copytree(VERSIONS_DIR, target)
    return target


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def in_order(text: str, items) -> bool:
    """True when every item occurs in text, each after the previous one.

    An item may be a tuple of alternatives (an option's short or full name).
    """
    position = -1
    for item in items:
        alternatives = item if isinstance(item, tuple) else (item,)
        found = [p for p in (text.find(a, position + 1) for a in alternatives) if p >= 0]
        if not found:
            return False
        position = min(found)
    return True
