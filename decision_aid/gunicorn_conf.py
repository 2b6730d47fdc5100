"""gunicorn settings for production: `gunicorn -c python:decision_aid.gunicorn_conf "decision_aid:create_app()"`.

Sized for the machine: PDF rendering is CPU-bound Python, so one worker process per core
(plus one) does the rendering in parallel, and a few threads per worker keep pages quick
while another thread renders. Everything a second worker or server needs (sessions,
sign-in throttling, the audit chain) is in the database, so workers share nothing in memory.
Override any value with the usual GUNICORN_* / --flags, e.g. WEB_CONCURRENCY for workers.
"""
import multiprocessing
import os

from gunicorn.glogging import Logger

from decision_aid.config import trusted_proxies
from decision_aid.logs import redact

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
threads = int(os.environ.get("THREADS", "4"))
worker_class = "gthread"
timeout = 60               # a PDF render takes about a second; a stuck worker is replaced
graceful_timeout = 30      # on SIGTERM, requests in flight get this long to finish
keepalive = 5
max_requests = 2000        # recycle workers now and then (bounded memory over months)
max_requests_jitter = 200
preload_app = False        # each worker opens its own database connections
# X-Forwarded-Proto counts only from the reverse proxies the app trusts too (TRUSTED_PROXIES).
forwarded_allow_ips = ",".join(trusted_proxies())
# The access log names the path only (never a query string) and the time taken in ms.
accesslog = os.environ.get("ACCESS_LOG", "-")


class RedactingLogger(Logger):
    """The access log never holds a patient-link token (the path, request line, Referer or raw URI)."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "f", "{raw_uri}e", "{path_info}e", "{request_uri}e", "{referer}i",
                    "{http_referer}e"):
            if key in atoms:
                atoms[key] = redact(atoms[key])
        return atoms


logger_class = RedactingLogger
access_log_format = '{"t":"%(t)s","method":"%(m)s","path":"%(U)s","status":%(s)s,"ms":%(M)s}'
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")
