"""Friendly error pages. Nothing here echoes the request back, and no traceback is shown."""
from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .extensions import db
from .security import audit_denied

PAGES = {400: "errors/400.html", 404: "errors/404.html"}


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        audit_denied("csrf")  # the endpoint only: never the form's data
        return render_template("errors/400.html", reason="csrf"), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        db.session.rollback()  # a failed write must not stop the error page from rendering
        template = PAGES.get(error.code, "errors/generic.html")
        return render_template(template, error=error), error.code

    @app.errorhandler(Exception)
    def server_error(error: Exception):
        db.session.rollback()
        app.logger.exception("Unhandled error")
        return render_template("errors/500.html"), 500
