from flask import Blueprint, abort, render_template

from .. import presenting
from ..clinic_details.views import signed_in_details
from ..content import OPTION_IDS
from ..i18n import page_language
from ..library import current_content
from ..pdf import cached_template_pdf, pdf_response

bp = Blueprint("handouts", __name__, url_prefix="/handouts")


@bp.get("/")
def index():
    return render_template("handouts/index.html",
                           options=presenting.options_list(current_content(page_language())))


@bp.get("/all-options.pdf")
def all_options_pdf():
    language = page_language()  # ?lang=, one language per document
    content = current_content(language)
    clinic = signed_in_details(content)  # per clinic and details version: a new phone number never prints stale
    pdf = cached_template_pdf(
        ("all-options", language, content.version, content.content_hash, clinic["cache_key"]), "pdf/handout_all.html",
        clinic=clinic, **presenting.all_options_handout(content))
    return pdf_response(pdf, f"runners-knee-options-{content.version}{_suffix(language)}.pdf")


@bp.get("/<option_id>.pdf")
def option_pdf(option_id: str):
    if option_id not in OPTION_IDS:
        abort(404)
    language = page_language()
    content = current_content(language)
    detail = presenting.option_detail(content, option_id)
    clinic = signed_in_details(content)
    pdf = cached_template_pdf(
        ("option", option_id, language, content.version, content.content_hash, clinic["cache_key"]), "pdf/handout_option.html",
        detail=detail, meta=presenting.meta(content), clinic=clinic)
    filename = option_id.replace("_", "-")
    return pdf_response(pdf, f"runners-knee-{filename}-{content.version}{_suffix(language)}.pdf")


def _suffix(language: str) -> str:
    """English keeps its file names; another language adds its code ("…-2026.2-ar.pdf")."""
    return "" if language == "en" else f"-{language}"
