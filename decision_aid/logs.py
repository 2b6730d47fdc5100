"""Structured request logs: one JSON line per request, with no patient data.

Logged: method, endpoint name (e.g. "consultation.step_page", never the URL or its query),
status, duration, the signed-in user's id and a request id (also sent as X-Request-Id).
Never logged: form fields, search terms, patient references, names typed into forms.
"""
from __future__ import annotations

import json
import logging
import re
import time
import uuid

from flask import Flask, g, request
from flask_login import current_user

log = logging.getLogger("decision_aid.requests")
# A patient's link carries its token in the path (/p/<token>): access logs show it redacted.
_LINK_TOKEN = re.compile(r"/p/(?!steps/|after/)[^/?\s]+")


def redact(text: str) -> str:
    """A path, request line or Referer with any patient-link token replaced by "<token>"."""
    return _LINK_TOKEN.sub("/p/<token>", text) if isinstance(text, str) else text


def init_app(app: Flask) -> None:
    if not app.debug and not app.testing and not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(message)s")
    # WeasyPrint reports every layout step at INFO; only its warnings belong in the app's log.
    logging.getLogger("weasyprint").setLevel(logging.WARNING)

    @app.before_request
    def _start() -> None:
        g.request_started = time.perf_counter()
        g.request_id = uuid.uuid4().hex[:16]

    @app.after_request
    def _log(response):
        started = g.get("request_started")
        if started is None or request.endpoint == "static":
            return response
        user = current_user if current_user and current_user.is_authenticated else None
        log.info(json.dumps({
            "request_id": g.request_id, "method": request.method, "endpoint": request.endpoint,
            "status": response.status_code, "ms": round((time.perf_counter() - started) * 1000, 1),
            "user_id": user.id if user else None,
        }))
        response.headers["X-Request-Id"] = g.request_id
        return response
