"""Which language a page is in (issue #14), through Flask-Babel's gettext catalogs.

The clinician's pages are in the clinic's language (`CLINIC_LANGUAGE`, English for now). A
patient-facing page is in the patient's language: the guide and the handouts, which the clinician
shows the patient with no discussion open, take `?lang=` (a language code, never patient data);
the patient's link pages, the tablet's patient view and the links after the visit call
`use_language(discussion.language)` (patient_link/pages.py); the patient's summary PDF is
rendered under `force_locale(revision.language)` (discussions/printing.py). The consultation
steps the patient reads beside the clinician (`steps.PATIENT_PAGES`) are in the discussion's
language too; their clinician-only parts are drawn in the clinic's (`clinic_language`,
`clinician_part`), Start and "Is this runner's knee?" wholly so.
Catalogs: `decision_aid/translations/<lang>/LC_MESSAGES/messages.po`, compiled by `make install`.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, abort, current_app, g, has_request_context, render_template, request
from flask_babel import Babel, force_locale, format_date, get_locale, gettext, refresh
from markupsafe import Markup

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


@contextmanager
def clinic_language() -> Iterator[None]:
    """The clinician's language for a moment, on a page in the patient's: the clinician's own parts."""
    with force_locale(current_app.config["CLINIC_LANGUAGE"]):
        yield


def clinician_part(template: str, **context) -> Markup:
    """A clinician-only part of a patient's page (a template that marks itself
    ``data-audience="clinician"`` and ``lang``), drawn wholly in the clinician's language: its
    strings, the macros it calls and the words of its answers."""
    with clinic_language():
        # render_template autoescapes what it fills in: its output is already safe HTML.
        return Markup(render_template(template, **context))  # nosec B704


def clinic_gettext(message: str, **variables) -> str:
    """A string of a clinician's field drawn in a template on a patient's page (its msgid is
    marked beside it with ``gettext`` for the patient's fields)."""
    with clinic_language():
        return gettext(message, **variables)


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


def month_year(value: dt.date) -> str:
    """A month and year in the page's language: "December 2026", "grudzień 2026"."""
    return format_date(value, "LLLL y")


def init_app(app: Flask) -> None:
    app.config.setdefault("CLINIC_LANGUAGE", "en")
    app.config.setdefault("BABEL_DEFAULT_LOCALE", app.config["CLINIC_LANGUAGE"])
    Babel(app, locale_selector=_select_locale)
    for name in CHOOSABLE_BLUEPRINTS:
        app.before_request_funcs.setdefault(name, []).append(_refuse_unknown_language)
    app.add_template_filter(long_date)
    app.add_template_filter(month_year)
    app.add_template_global(clinician_part)
    app.add_template_global(clinic_gettext)

    @app.context_processor
    def _language_in_templates() -> dict:
        code = page_language()
        # Links between the guide's and handouts' pages keep the language the patient chose.
        keep = {"lang": code} if _language_in_url() and code != app.config["CLINIC_LANGUAGE"] else {}
        return {"page_language": code, "page_direction": direction(code),
                "languages": languages_api.languages(), "lang_arg": keep}
