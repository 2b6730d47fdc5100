import datetime as dt
import functools
import hashlib
import io
import re
import os
import secrets
import shutil
import uuid
from pathlib import Path

import jinja2
import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from decision_aid import create_app
from decision_aid.accounts.models import Clinic, User, UserSession
from decision_aid.accounts.passwords import hash_password
from decision_aid.database import create_schema
from decision_aid.extensions import db
from decision_aid import pdf as pdf_module
from decision_aid.pdf import wait_for_background
from decision_aid.content import OPTION_IDS
from decision_aid.content.loader import VERSIONS_DIR



# The tests run on SQLite unless TEST_POSTGRES_URL names a PostgreSQL server (as .ci/run does
# for its second pass): then each test gets its own database, copied from a migrated template.
POSTGRES = os.environ.get("TEST_POSTGRES_URL")
# Under pytest-xdist each worker process makes its own template database.
TEMPLATE_DB = f"decision_aid_template_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite_only: uses SQLite's own files or tools (skipped on PostgreSQL)")
    config.addinivalue_line("markers", "renders_afresh: every PDF is rendered, none taken from the run's "
                                       "rendered documents (tests of the rendering helper itself)")


def pytest_collection_modifyitems(config, items):
    if POSTGRES:
        skip = pytest.mark.skip(reason="SQLite-only test (this pass runs on PostgreSQL)")
        for item in items:
            if "sqlite_only" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory):
    """The schema made once by the real migrations; each test starts from a copy of it."""
    folder = tmp_path_factory.mktemp("template")
    if POSTGRES:
        url = sa.engine.make_url(POSTGRES)
        admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {TEMPLATE_DB}")
            connection.exec_driver_sql(f"CREATE DATABASE {TEMPLATE_DB}")
        _migrate(folder, url.set(database=TEMPLATE_DB).render_as_string(hide_password=False))
        yield admin
        admin.dispose()
    else:
        _migrate(folder, f"sqlite:///{folder / 'template.sqlite3'}")
        yield folder / "template.sqlite3"


def _migrate(folder, url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "PDF_CACHE_DIR": str(folder / "cache")})
    with app.app_context():
        create_schema()
        db.engine.dispose()


@pytest.fixture
def database_url(tmp_path, migrated_template):
    if not POSTGRES:
        target = tmp_path / "instance" / "decision_aid.sqlite3"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(migrated_template, target)
        yield f"sqlite:///{target}"
        return
    name = f"test_{uuid.uuid4().hex[:12]}"
    with migrated_template.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE_DB}")
    yield sa.engine.make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)
    with migrated_template.connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


class StrictUndefined(jinja2.StrictUndefined):
    """A missing attribute or key (``summary.decison``, ``item.source_label`` on a dict without
    it) fails the test instead of printing nothing (STYLE.md: typed sections, not one big dict).

    Two things keep Jinja's default, empty and false: a variable or macro argument a view leaves
    unset (pages use optional flags such as ``{% if withdrawn %}``), and a form's ``csrf_token``
    (the tests turn CSRF off, so Flask-WTF leaves that field out; production has it).
    """

    def _lenient(self) -> bool:
        return self._undefined_obj is jinja2.utils.missing or self._undefined_name == "csrf_token"

    def __str__(self) -> str:
        return "" if self._lenient() else super().__str__()

    def __bool__(self) -> bool:
        return False if self._lenient() else super().__bool__()

    def __iter__(self):
        return iter(()) if self._lenient() else super().__iter__()

    def __len__(self) -> int:
        return 0 if self._lenient() else super().__len__()

    def __eq__(self, other) -> bool:
        return type(self) is type(other) if self._lenient() else super().__eq__(other)

    def __ne__(self, other) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return id(type(self)) if self._lenient() else super().__hash__()


# A document is rendered once per test run. The same handout is printed by dozens of tests (and
# again in the PostgreSQL pass), each a real WeasyPrint render of 2-20 s. The HTML is the whole
# input of a render besides static/ and the installed WeasyPrint, so a render of byte-identical
# HTML is served the bytes WeasyPrint made for it earlier in the run. Every distinct document is
# still rendered for real, in the helper process as in production. `make test` gives both passes
# one folder (TEST_PDF_RENDERS) and removes it afterwards; otherwise it lasts one pytest session.
def _render_inputs() -> str:
    import weasyprint
    static = Path(pdf_module.__file__).resolve().parent.parent / "static"
    return f"{weasyprint.__version__}\0{pdf_module.fingerprint(static)}"


@pytest.fixture(scope="session")
def rendered_documents(tmp_path_factory) -> Path:
    folder = os.environ.get("TEST_PDF_RENDERS")
    # Under pytest-xdist the workers' temporary folders share a parent: they share their renders.
    return Path(folder) if folder else tmp_path_factory.getbasetemp().parent / "rendered-pdfs"


@pytest.fixture(autouse=True)
def render_each_document_once(request, monkeypatch, rendered_documents):
    if "renders_afresh" in request.keywords:
        return
    real_render, inputs = pdf_module.render_pdf, _render_inputs_once()

    def render(html: str, static_root, fetcher=None) -> bytes:
        if fetcher is not None:  # a test inspecting what the render fetched
            return real_render(html, static_root, fetcher)
        key = hashlib.sha256(f"{inputs}\0{static_root}\0{html}".encode()).hexdigest()
        path = rendered_documents / f"{key}.pdf"
        if path.is_file():
            return path.read_bytes()
        document = real_render(html, static_root)
        rendered_documents.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.part")
        partial.write_bytes(document)
        partial.replace(path)  # another worker reading it sees the whole file or none
        return document

    monkeypatch.setattr(pdf_module, "render_pdf", render)


_render_inputs_once = functools.lru_cache(maxsize=1)(_render_inputs)


class CompiledTemplates(jinja2.BytecodeCache):
    """Each test's app would compile every template it renders afresh (a third of a page test's
    time); the apps of one test process share the compiled code instead. Jinja checks each
    template's source checksum on load, so an edited template compiles anew."""

    def __init__(self):
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self._code:
            bucket.bytecode_from_string(self._code[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = CompiledTemplates()


@pytest.fixture
def make_app(tmp_path, monkeypatch, database_url):
    """A factory for apps with their own instance folder, database and PDF cache."""
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("AUDIT_KEY", raising=False)
    apps = []

    def make(**overrides):
        # Background pre-rendering is off unless a test asks for it (it renders two PDFs per Finish).
        config = {"TESTING": True, "PDF_CACHE_DIR": str(tmp_path / "pdf-cache"),
                  "WTF_CSRF_ENABLED": False, "PDF_PRERENDER": False}
        config.update(overrides)
        app = create_app(config)
        app.jinja_env.undefined = StrictUndefined
        app.jinja_env.bytecode_cache = COMPILED_TEMPLATES
        with app.app_context():
            _add_people()
        apps.append(app)
        return app

    yield make
    for app in apps:  # close connections, so a PostgreSQL test database can be dropped
        wait_for_background(app)  # no pre-render may outlive its app
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def anon_client(app):
    """A browser that has not signed in."""
    return app.test_client()


def signed_in_client(app, email: str = "clinician@a.example"):
    """A test client signed in as one of PEOPLE, through a real server-side session row
    (the same row a sign-in creates; test_accounts.py covers the sign-in form itself)."""
    client = app.test_client()
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        token = secrets.token_urlsafe(32)
        db.session.add(UserSession(token_hash=hashlib.sha256(token.encode()).hexdigest(), user_id=user.id))
        db.session.commit()
        user_id = user.id
    with client.session_transaction() as browser_session:
        browser_session["sid"] = token
        browser_session["_user_id"] = str(user_id)
    return client


@pytest.fixture
def sign_in(app):
    return lambda email="clinician@a.example": signed_in_client(app, email)


@pytest.fixture
def client(sign_in):
    """Signed in as a clinician of clinic A."""
    return sign_in()


# Two clinics with a clinician and an admin each. Hashing is slow by design, so each password
# is hashed once per test run and reused.
PASSWORD = "correct horse battery staple"
PEOPLE = [("clinician@a.example", "Dr Ada Lovelace", "Clinic A", "clinician"),
          ("admin@a.example", "Alan Admin", "Clinic A", "admin"),
          ("clinician@b.example", "Dr Bea Other", "Clinic B", "clinician"),
          ("admin@b.example", "Bob Admin", "Clinic B", "admin")]


@functools.lru_cache(maxsize=1)
def _password_hash() -> str:
    return hash_password(PASSWORD)


def _add_people() -> None:
    if db.session.scalar(sa.select(sa.func.count()).select_from(User)):
        return  # a second app on the same database
    clinics = {}
    for email, name, clinic_name, role in PEOPLE:
        clinic = clinics.get(clinic_name) or Clinic(name=clinic_name)
        clinics[clinic_name] = clinic
        db.session.add(User(email=email, name=name, clinic=clinic, role=role, password_hash=_password_hash()))
    db.session.commit()


@pytest.fixture
def option_names(app):
    """The options' (short name, full name), in the fixed order: conservative care first."""
    content = app.extensions["decision_aid.content"][app.config["CONTENT_VERSION"]]
    return [(content.option(i).short_name, content.option(i).name) for i in OPTION_IDS]


@pytest.fixture
def current_content(app):
    """The content version new discussions are shown (the newest folder unless configured)."""
    return app.extensions["decision_aid.content"][app.config["CONTENT_VERSION"]]


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def content_copy(tmp_path):
    """A writable copy of the content versions, for tests that change or break a file. English
    only: a changed English file would make its translations stale, which stops start-up."""
    target = tmp_path / "content-versions"
    shutil.copytree(VERSIONS_DIR, target, ignore=shutil.ignore_patterns("translations"))
    return target


def pdf_text(pdf: bytes) -> str:
    # pypdf takes seconds over a 20-page handout; many tests read the same document's text.
    key = hashlib.sha256(pdf).digest()
    if key not in _TEXTS:
        reader = PdfReader(io.BytesIO(pdf))
        _TEXTS[key] = "\n".join(page.extract_text() or "" for page in reader.pages)
    return _TEXTS[key]


_TEXTS: dict[bytes, str] = {}


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


# --- Driving a consultation through the test client -------------------------------------------

TODAY = dt.date.today()

START = {"patient_ref": "RK-0042", "clinician": "Dr Ada Lovelace",
         "discussion_date": TODAY.isoformat(), "knees": "left"}
# "Is this runner's knee?" (content with assessment.yaml): diagnosed, no red flags, an adult.
ASSESSMENT = {"diagnosis": "yes", "no_red_flags": "y", "age": "34"}
SITUATION = {"duration": "3_to_12_months", "activities": ["running", "stairs"], "pain_now": "6",
             "tried": ["rest", "footwear_orthoses"], "tried_other": "Foam rolling",
             "running_goals": "Half marathon in the spring", "race_date": "",
             "safety_infection": "no", "safety_bleeding": "yes", "safety_diabetes": "no",
             "safety_pregnancy": "no", "safety_allergy": "unsure", "safety_recent_injection": "no"}
OPTIONS = {"option_notes": "How many PRP visits would it be?"}
VALUES = {"value_avoid_needles": "very", "value_quick_relief": "a_little", "value_cost": "quite",
          "own_factors": "I want to keep training with my club"}
READY = {"sure_sure": "yes", "sure_understand": "yes", "sure_risk_benefit": "yes", "sure_encouragement": "yes"}
DECISION = {"choice": "conservative", "other_text": "",
            "reasons": "I would rather avoid needles and try the exercises first",
            "open_questions": "Can I still race in April?", "next_steps": "Book 5 physio visits",
            "follow_up_date": (TODAY + dt.timedelta(days=42)).isoformat(),
            "clinician_notes": "Review cadence at follow-up"}


def lock_of(html: str) -> str:
    return re.search(r'name="lock_version"[^>]*value="(\d+)"', html).group(1)


class Consultation:
    """A clinician going through the steps in the browser, as form posts."""

    def __init__(self, client):
        self.client = client
        self.url = None

    def start(self, **changes) -> "Consultation":
        response = self.client.post("/discussions/new", data={**START, **changes, "action": "next"})
        assert response.status_code == 302, response.get_data(as_text=True)
        self.url = response.headers["Location"].rsplit("/steps/", 1)[0]
        return self

    @property
    def id(self) -> str:
        return self.url.rsplit("/", 1)[1]

    def page(self, step: str):
        return self.client.get(f"{self.url}/steps/{step}")

    def post(self, step: str, data: dict, action: str = "next", lock: str | None = None):
        # A step asked on another page (rules 2: "ready" on the check page) takes that page's lock.
        lock = lock or lock_of(self.client.get(f"{self.url}/steps/{step}", follow_redirects=True).get_data(as_text=True))
        return self.client.post(f"{self.url}/steps/{step}", data={**data, "lock_version": lock, "action": action})

    def save(self, step: str, data: dict, action: str = "next"):
        response = self.post(step, data, action)
        assert response.status_code == 302, (step, response.status_code, response.get_data(as_text=True)[:3000])
        return response

    def quiz_answers(self, app) -> dict:
        content = app.extensions["decision_aid.content"][app.config["CONTENT_VERSION"]]
        return {f"quiz_{item.id}": "true" for item in content.consultation.quiz}

    def fill_all(self, app, *, situation=None, values=None, ready=None, decision=None) -> "Consultation":
        if self.page("assessment").status_code != 404:  # only content with assessment.yaml has the step
            self.save("assessment", ASSESSMENT)
        self.save("situation", situation or SITUATION)
        self.save("options", OPTIONS)
        self.save("values", values or VALUES)
        if self.page("ready").status_code == 302:  # rules 2: "Ready to decide?" is on the check page
            self.save("check", {**self.quiz_answers(app), **(ready or READY)})
        else:
            self.save("check", self.quiz_answers(app))
            self.save("ready", ready or READY)
        self.save("decision", decision or DECISION)
        return self

    def finish(self):
        html = self.client.get(f"{self.url}/steps/summary").get_data(as_text=True)
        lock = re.search(r'name="lock_version" value="(\d+)"', html).group(1)
        response = self.client.post(f"{self.url}/finish", data={"lock_version": lock})
        assert response.status_code == 302
        return response


@pytest.fixture
def consultation(client):
    return lambda: Consultation(client)


@pytest.fixture
def db_rows(app):
    """Row counts per table, to show that a refused request wrote nothing."""
    import sqlalchemy as sa

    from decision_aid.extensions import db

    def count() -> dict:
        with app.app_context():
            return {table: db.session.scalar(sa.text(f"SELECT count(*) FROM {table}"))
                    for table in ("discussion", "revision")}
    return count
