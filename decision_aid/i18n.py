"""Which language a page is in (issue #14), through Flask-Babel's gettext catalogs.

The clinician's pages are in the clinic's language (`CLINIC_LANGUAGE`, English for now). A
patient-facing page is in the patient's language: the guide and the handouts, which the clinician
shows the patient with no discussion open, take `?lang=` (a language code, never patient data);
the patient's link pages, the tablet's patient view and the links after the visit call
`use_language(discussion.language)` (patient_link/pages.py); the patient's summary PDF is
rendered under `force_locale(revision.language)` (discussions/printing.py). The consultation
steps the clinician drives in the clinic stay in the clinic's language for now.
Catalogs: `decision_aid/translations/<lang>/LC_MESSAGES/messages.po`, compiled by `make install`.
"""
from __future__ import annotations

import datetime as dt

from flask import Flask, abort, current_app, g, has_request_context, request
from flask_babel import Babel, format_date, get_locale, refresh

from . import library as languages_api  # languages() of the current content version

# Pages the clinician shows the patient before or without a discussion: `?lang=` picks the language.
CHOOSABLE_BLUEPRINTS = ("guide", "handouts")


def languages() -> list:
    """The languages a patient can choose, English first: those the current content is translated into."""
    return languages_api.languages()


def language_codes() -> list[str]:
    return [language.code for language in languages()]


def direction(code: str) -> str:
    for language in languages_api.languages(with_stale=True):
        if language.code == code:
            return language.direction
    return "ltr"


def use_language(code: str | None) -> None:
    """Draw the rest of this request in ``code`` (a discussion's or a link's language): any
    language loaded, a stale one too (a discussion held in it keeps it), unlike ``?lang=``."""
    loaded = [language.code for language in languages_api.languages(with_stale=True)]
    g.page_language = code if code in loaded else None
    refresh()  # get_locale() may have been asked already (an error page, a flash)


def page_language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else current_app.config["CLINIC_LANGUAGE"]


def _select_locale() -> str:
    chosen = g.get("page_language")
    if chosen:
        return chosen
    asked = request.args.get("lang") if has_request_context() else None
    # An error page for a URL no view matched (404) follows `?lang=` too, so a patient who
    # mistypes a Polish guide address reads the error in Polish.
    if asked in language_codes() and _language_in_url():
        return asked
    return current_app.config["CLINIC_LANGUAGE"]


def _language_in_url() -> bool:
    if not has_request_context():  # a background PDF render
        return False
    return request.blueprint in CHOOSABLE_BLUEPRINTS or request.url_rule is None


def _refuse_unknown_language() -> None:
    asked = request.args.get("lang")
    if asked is not None and asked not in language_codes():
        abort(404)


def long_date(value: dt.date) -> str:
    """A date in words in the page's language: "1 December 2026", "1 grudnia 2026"."""
    if isinstance(value, dt.datetime):  # already on the clinic's clock: Babel would move it to UTC
        value = value.date()
    return format_date(value, "d MMMM y")


def init_app(app: Flask) -> None:
    app.config.setdefault("CLINIC_LANGUAGE", "en")
    app.config.setdefault("BABEL_DEFAULT_LOCALE", app.config["CLINIC_LANGUAGE"])
    Babel(app, locale_selector=_select_locale)
    for name in CHOOSABLE_BLUEPRINTS:
        app.before_request_funcs.setdefault(name, []).append(_refuse_unknown_language)
    app.add_template_filter(long_date)

    @app.context_processor
    def _language_in_templates() -> dict:
        code = page_language()
        # Links between the guide's and handouts' pages keep the language the patient chose.
        keep = {"lang": code} if _language_in_url() and code != app.config["CLINIC_LANGUAGE"] else {}
        return {"page_language": code, "page_direction": direction(code),
                "languages": languages_api.languages(), "lang_arg": keep}
