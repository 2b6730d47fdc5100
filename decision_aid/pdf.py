"""PDF rendering: HTML in, PDF bytes out. The one place WeasyPrint is used.

WeasyPrint may fetch only the app's own static files (fonts, CSS, drawings): the URL fetcher
refuses every other scheme and every path outside ``static/``, so text typed into a form can
never make the server reach the network or read a local file. PDFs are tagged (PDF/UA-1) and
carry the content version and hash in their metadata.

Rendering happens in a helper process (``render_pdf``), replaced after RENDERS_PER_PROCESS
renders: WeasyPrint's native libraries keep about 0.27 MB per render that Python never gets
back (measured with benchmarks/pdf_memory.py), so a long-lived web worker would grow without
end. The web worker itself stays flat; its helper is recycled before it grows far.
"""
from __future__ import annotations

import base64
import fcntl
import hashlib
import logging
import mimetypes
import multiprocessing
import os
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Callable
from urllib.parse import unquote, urlsplit

from flask import Flask, Response, current_app, render_template
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .database import READ_ONLY
from .extensions import db
from .signoff import latest, translation_notice

log = logging.getLogger(__name__)

PDF_OPTIONS = {"pdf_variant": "pdf/ua-1", "custom_metadata": True}
# The only inline (data:) files a PDF may hold: the clinic's checked logo.
INLINE_IMAGES = frozenset({"image/png;base64", "image/svg+xml;base64"})


class FetchRefused(ValueError):
    """A PDF asked for something other than one of the app's static files."""


class StaticOnlyFetcher(URLFetcher):
    """Serves files under ``static_root`` and refuses everything else, without any I/O."""

    def __init__(self, static_root: Path):
        super().__init__(allowed_protocols={"file"}, allow_redirects=False)
        self.static_root = Path(static_root).resolve()
        self.refused: list[str] = []
        self.served: list[str] = []

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return self._inline_image(url)
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            return self._refuse(url, f"scheme '{parts.scheme}'")
        path = Path(unquote(parts.path)).resolve()
        if not path.is_relative_to(self.static_root) or not path.is_file():
            return self._refuse(url, "a path outside static/")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        self.served.append(url)
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})

    def _inline_image(self, url: str) -> URLFetcherResponse:
        """A clinic's logo, inlined as base64 (PNG, or an SVG already rebuilt from an allow-list:
        clinic_details/logo.py). Whatever it refers to is fetched through this same fetcher."""
        header, _, payload = url[5:].partition(",")
        if header not in INLINE_IMAGES:
            return self._refuse("data:" + header, "an inline file that is not a PNG or SVG picture")
        try:
            body = base64.b64decode(payload, validate=True)
        except ValueError:
            return self._refuse("data:" + header, "an inline picture that is not base64")
        return URLFetcherResponse(url[:40], body, {"Content-Type": header.split(";")[0]})

    def _refuse(self, url: str, why: str):
        # Log only why, never the URL: it could echo something a user typed.
        self.refused.append(url)
        log.warning("PDF rendering refused to fetch %s", why)
        raise FetchRefused(why)


def render_pdf_here(html: str, static_root: Path | str, fetcher: StaticOnlyFetcher | None = None) -> bytes:
    """Render a complete HTML document to PDF bytes in this process. Relative URLs resolve
    inside static/, and nothing else can be fetched."""
    fetcher = fetcher or StaticOnlyFetcher(Path(static_root))
    document = HTML(string=html, base_url=Path(static_root).resolve().as_uri() + "/",
                    url_fetcher=fetcher)
    return document.write_pdf(**PDF_OPTIONS)


RENDERS_PER_PROCESS = 50
PARENT_CHECK_SECONDS = 0.5
_pool: ProcessPoolExecutor | None = None
_submitted = 0  # renders given to the current pool
_pool_lock = threading.Lock()


def _start_helper(web_worker: int) -> None:
    """Runs first in each helper process.

    Renders yield the CPU to page requests: when both wait, the person clicking Next goes first.
    And the helper ends with its web worker: a worker that exits normally shuts its helper down,
    but one killed outright (gunicorn's timeout kill, the OOM killer) runs no clean-up, and the
    helper would live on for good, since it holds both ends of its own task pipe and never sees
    end-of-file. So a thread watches the parent and ends the helper once the parent is gone.
    """
    try:
        os.nice(5)
    except OSError:  # pragma: no cover - not permitted on this system
        pass
    threading.Thread(target=_end_with_parent, args=(web_worker,), name="watch-web-worker", daemon=True).start()


def _end_with_parent(web_worker: int) -> None:
    # An orphan is handed to another parent (init or a subreaper), so its parent id changes.
    while os.getppid() == web_worker:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)  # a render in flight has nobody left to send its PDF to


def _renderer() -> ProcessPoolExecutor:
    """The helper for one more render (each call counts as one).

    The helper is replaced by starting a new pool every RENDERS_PER_PROCESS renders, not with
    ``max_tasks_per_child``: on Python 3.11 that option deadlocks once a helper reaches its limit
    with renders still queued (CPython gh-115634: no replacement is started and every later PDF
    waits for good), which is just what a background pre-render and a download at once make.
    The old pool is shut down without waiting: it finishes what it was given, then its helper ends.
    """
    global _pool, _submitted
    with _pool_lock:
        if _pool is None or _submitted >= RENDERS_PER_PROCESS:
            if _pool is not None:
                _pool.shutdown(wait=False)
            # "spawn", never "fork": the web worker has threads, and a forked copy of a threaded
            # process can inherit a lock held by another thread.
            _pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_start_helper, initargs=(os.getpid(),))
            _submitted = 0
        _submitted += 1
        return _pool


def render_pdf(html: str, static_root: Path, fetcher: StaticOnlyFetcher | None = None) -> bytes:
    """Render a complete HTML document to PDF bytes, in the helper process.

    With a ``fetcher`` (tests that inspect what was fetched) it renders in this process.
    """
    if fetcher is not None:
        return render_pdf_here(html, static_root, fetcher)
    return _renderer().submit(render_pdf_here, html, str(static_root)).result(timeout=120)


def fingerprint(*folders_or_files: Path) -> str:
    """A hash of the files that shape a PDF, so a changed template never serves a stale PDF."""
    digest = hashlib.sha256()
    for root in folders_or_files:
        files = sorted(p for p in Path(root).rglob("*") if p.is_file()) if Path(root).is_dir() else [Path(root)]
        for path in files:
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


class PdfCache:
    """Rendered PDFs on disk, keyed by everything that determines their bytes.

    Files are written to a temporary name and renamed, so a reader never sees half a PDF. A
    render holds a lock file of its key (``flock``, so it holds across gunicorn workers): a
    download asked for while the background pre-render of the same PDF runs waits for it and
    is served its file, instead of rendering the same PDF a second time.
    """

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.pdf"

    @staticmethod
    def key(*parts: str) -> str:
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()

    def get(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            return None

    def put(self, key: str, pdf: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(pdf)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get_or_render(self, key: str, render: Callable[[], bytes]) -> bytes:
        cached = self.get(key)
        if cached is not None:
            return cached
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path.with_suffix(".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            cached = self.get(key)  # rendered by whoever held the lock before us
            if cached is not None:
                return cached
            pdf = render()
            self.put(key, pdf)
            return pdf
        finally:
            os.close(descriptor)  # closing releases the lock


# --- Flask glue ---------------------------------------------------------------------------------

EXTENSION_KEY = "decision_aid.pdf"


def init_app(app: Flask) -> None:
    static = Path(app.static_folder)
    app.extensions[EXTENSION_KEY] = {
        "cache": PdfCache(Path(app.config["PDF_CACHE_DIR"])),
        # Every template a PDF includes: its own folder and the shared macros (the home programme too),
        # and the interface's compiled catalogs (a corrected translation never serves a stale PDF).
        "fingerprint": fingerprint(Path(app.template_folder) / "pdf", Path(app.template_folder) / "_macros",
                                   static / "css" / "pdf.css", static / "fonts", static / "img",
                                   Path(app.root_path) / "translations"),
    }


def _signoff(context: dict) -> dict | None:
    """The clinical sign-off of the content a PDF shows (its ``meta``); None prints the draft banner."""
    meta = context.get("meta")
    return latest(meta["version"], meta.get("english_hash", meta["content_hash"])) if meta else None


def render_template_pdf(template: str, **context) -> bytes:
    context.setdefault("signoff", _signoff(context))
    html = render_template(template, **{"static_url": lambda path: path, **context})
    _end_read_transaction()
    return render_pdf(html, Path(current_app.static_folder))


def _end_read_transaction() -> None:
    """End the reads the HTML needed before the render starts. On SQLite every transaction
    begins IMMEDIATE (it holds the write lock, ``database.py``), so a read left open would keep
    every other clinician's save waiting for the whole render. Only reads are ended: a session
    with unsaved changes is its caller's to commit, and is left as it is."""
    session = db.session
    if session.new or session.dirty or session.deleted:
        return
    # A background render reads in a read-only (deferred) transaction: its next reads stay so.
    read_only = session().in_transaction() and session.connection().get_execution_options().get(READ_ONLY)
    session.rollback()
    if read_only:
        session.connection(execution_options={READ_ONLY: True})


def cached_template_pdf(key_parts: tuple[str, ...], template: str, **context) -> bytes:
    """Render once per key (plus the templates' fingerprint), then serve from the disk cache.

    The sign-off state is part of the key, so a PDF printed with the draft banner is never
    served after the content is signed off (nor the other way round)."""
    state = current_app.extensions[EXTENSION_KEY]
    signoff = _signoff(context)
    signed = "draft" if signoff is None else f"signed:{signoff['name']}|{signoff['role']}|{signoff['date']}"
    if context.get("meta") and context["meta"].get("language", "en") != "en":  # and the translator's sign-off
        signed += "|translation:" + ("awaiting" if translation_notice(context["meta"]) else "signed")
    key = PdfCache.key(state["fingerprint"], template, *key_parts, signed)
    _end_read_transaction()  # before waiting for another render of the same PDF, too
    return state["cache"].get_or_render(key, lambda: render_template_pdf(template, signoff=signoff, **context))


# --- Background renders -------------------------------------------------------------------------

BACKGROUND_KEY = "decision_aid.pdf.background"


def in_background(app: Flask, what: str, job: Callable[..., None], *args) -> threading.Thread | None:
    """Run ``job(*args)`` in a thread with its own app context; the request does not wait.

    A failure is logged by ``what`` and the exception's type only (its message could hold
    patient text); the PDF then renders on demand at its first download. With
    ``PDF_PRERENDER`` off nothing runs.
    """
    if not app.config.get("PDF_PRERENDER", True):
        return None

    def run() -> None:
        try:
            with app.app_context():
                job(*args)
        except Exception as error:  # noqa: BLE001 - a background job must never crash its thread loudly
            log.warning("Background PDF job failed (%s): %s", what, type(error).__name__)
        finally:
            with _pool_lock:
                app.extensions[BACKGROUND_KEY].discard(thread)

    thread = threading.Thread(target=run, name="pdf-prerender", daemon=True)
    with _pool_lock:
        app.extensions.setdefault(BACKGROUND_KEY, set()).add(thread)
    thread.start()
    return thread


def wait_for_background(app: Flask, timeout: float = 120) -> None:
    """Wait for every background PDF job of ``app`` to end (tests, and before shutting down)."""
    with _pool_lock:
        threads = list(app.extensions.get(BACKGROUND_KEY, ()))
    for thread in threads:
        thread.join(timeout)


def pdf_response(pdf: bytes, download_name: str) -> Response:
    """A PDF download (never cached by browsers: see security.py). ``download_name`` must never
    hold patient data."""
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{download_name}"'
    return response
