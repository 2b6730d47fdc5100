"""Runner's knee decision aid: a Flask app for shared decision-making in clinic."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, url_for

from . import config as config_module

PACKAGE_DIR = Path(__file__).resolve().parent


def _folder(name: str) -> str:
    """templates/ and static/ sit inside the package in a wheel, beside it in a checkout."""
    inside = PACKAGE_DIR / name
    return str(inside if inside.is_dir() else PACKAGE_DIR.parent / name)


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=_folder("templates"),
        static_folder=_folder("static"),
        instance_path=os.environ.get("INSTANCE_PATH") or None,
        instance_relative_config=True,
    )
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(config_module.from_environment(Path(app.instance_path)))
    if config:
        app.config.from_mapping(config)
    if app.config["PROXY_COUNT"]:
        from .proxies import TrustedProxyFix
        # Behind nginx or a load balancer: that many hops set the client address and scheme, and
        # only when the request comes from one of the trusted proxies.
        app.wsgi_app = TrustedProxyFix(app.wsgi_app, app.config["TRUSTED_PROXIES"], app.config["PROXY_COUNT"])

    register_extensions(app)
    register_blueprints(app)

    @app.context_processor
    def _static_url() -> dict:
        # PDFs resolve drawings relative to static/; pages need the /static/ URL.
        return {"static_url": lambda path: url_for("static", filename=path)}

    from . import cli, errors
    errors.init_app(app)
    cli.init_app(app)
    return app


def register_extensions(app: Flask) -> None:
    from . import clinic_time, database, i18n, library, logs, pdf, security
    from .accounts import views as accounts_views
    from .extensions import csrf

    library.init_app(app)
    i18n.init_app(app)
    pdf.init_app(app)
    database.init_app(app)
    csrf.init_app(app)
    logs.init_app(app)
    accounts_views.init_app(app)
    security.init_app(app)
    clinic_time.init_app(app)


def register_blueprints(app: Flask) -> None:
    from .accounts.views import bp as accounts_bp
    from .admin.views import bp as admin_bp
    from .clinic_details.views import bp as clinic_details_bp
    from .consultation.language import bp as discussion_language_bp
    from .consultation.views import bp as consultation_bp
    from .discussions.views import bp as discussions_bp
    from .followup.views import bp as followup_bp
    from .guide.views import bp as guide_bp
    from .handouts.views import bp as handouts_bp
    from .health import bp as health_bp
    from .record.views import bp as record_bp
    from .patient_link.clinic_views import bp as patient_clinic_bp
    from .patient_link.views import bp as patient_bp
    from .patient_link.after_views import bp as patient_after_bp
    from .patient_link.after_clinic_views import bp as patient_after_clinic_bp

    app.register_blueprint(health_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(clinic_details_bp)
    app.register_blueprint(guide_bp)
    app.register_blueprint(handouts_bp)
    app.register_blueprint(consultation_bp)
    app.register_blueprint(discussion_language_bp)
    app.register_blueprint(discussions_bp)
    app.register_blueprint(record_bp)
    app.register_blueprint(followup_bp)
    app.register_blueprint(patient_bp)
    app.register_blueprint(patient_clinic_bp)
    app.register_blueprint(patient_after_bp)
    app.register_blueprint(patient_after_clinic_bp)
