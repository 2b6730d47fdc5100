from flask import Blueprint, abort, render_template

from .. import presenting
from ..clinic_details.views import signed_in_details
from ..content import OPTION_IDS
from ..i18n import page_language
from ..library import current_content as content_in


def current_content():
    """The content in the page's language (`?lang=`; English unless asked)."""
    return content_in(page_language())

bp = Blueprint("guide", __name__)


@bp.get("/")
def start():
    content = current_content()
    return render_template("guide/start.html", course=presenting.natural_course(content),
                           options=presenting.options_list(content),
                           references=presenting.cited_references(content, content.condition))


@bp.get("/comparison")
def comparison():
    content = current_content()
    return render_template("guide/comparison.html", comparison=presenting.comparison(content),
                           clinic=signed_in_details(content))


@bp.get("/options/<option_id>")
def option(option_id: str):
    if option_id not in OPTION_IDS:
        abort(404)
    content = current_content()
    return render_template("guide/option.html", detail=presenting.option_detail(content, option_id),
                           options=presenting.options_list(content), clinic=signed_in_details(content))


@bp.get("/about")
def about():
    content = current_content()
    return render_template("guide/about.html", meta=presenting.meta(content),
                           references=presenting.all_references(content),
                           rubric=presenting.rubric() if content.rules >= 2 else None,
                           has_ipdas=content.ipdas is not None)


@bp.get("/about/ipdas")
def ipdas():
    assessment = presenting.ipdas(current_content())
    if assessment is None:
        abort(404)
    return render_template("guide/ipdas.html", ipdas=assessment)
