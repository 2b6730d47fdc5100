"""A benchmark of the visit itself (issue 11 item 10): one typical consultation in a real browser,
counting clicks, page loads and the words the patient is shown, step by step.

Run: .venv/bin/python benchmarks/visit.py [--answered-beforehand situation,values] [--screenshots]

It starts the README's production server (``flask db upgrade``, ``create-user``, gunicorn on a real
SQLite file in a temporary folder: ``tests/_servers.py``), signs in through the form, and drives
headless Chromium (``/usr/bin/chromium``) at tablet size, 768 x 1024 CSS px, from the Start page's
"Start a new discussion" to the downloaded patient's summary PDF. Aims: <= 25 clicks and <= 1,500
words; the options step about two tablet screens (document height ~2,100 px).

What is counted (each figure per step, then the totals):

- **clicks**: every click, tap, check and select the script makes. They all go through one
  wrapper (``Visit``), so none is missed. Typing into a text field is counted apart as **typed**
  (on a tablet each one also takes a tap to focus the field: clicks + typed is the "taps" total).
- **loads**: page loads (main-frame navigations, redirects followed by the browser count once).
- **words**: the words the patient is shown: on each page, the visible text inside ``<main>``,
  leaving out clinician-only parts (``[data-audience="clinician"]``), the navigation chrome (the
  steps bar ``nav``, the "Step n of 8" line ``.step-meta``, the button rows ``.actions``) and
  screen-reader-only text (``.visually-hidden``); the site header, banners and footer are outside
  ``<main>``. Visible means laid out on screen (a text node with a box; closed ``<details>`` show
  only their summary), measured just before the script leaves the page, so folds it opened count.
  A word is a whitespace-separated token holding a letter or digit. A step shown twice (the quiz
  reloads to show its answers) counts its largest page once: the patient reads it once.
- **height**: ``document.documentElement.scrollHeight`` of the step's page as first loaded.

``run_visit(page, answered_beforehand=...)`` walks through every step; for the step ids in
``answered_beforehand`` it does not fill what the patient answered before the visit (issue 12)
but still opens the page, fills what only the clinician can (the health questions of the
situation step) and presses "Save and continue". With ``--answered-beforehand`` the clinician
first makes the patient's own link (uncounted), and the patient answers those parts on their own
phone (a separate 375 x 812 browser with no account, uncounted: it is done at home).
"""
from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "tests"))
from _servers import gunicorn, prepare_database, production_env  # noqa: E402
from conftest import PASSWORD  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TABLET = {"width": 768, "height": 1024}
EMAIL = "visit@clinic.example"
AIM_CLICKS, AIM_WORDS = 25, 1500

PATIENT_WORDS = """() => {
  const skip = 'nav, .step-meta, .actions, .visually-hidden, [data-audience="clinician"], script, style';
  const main = document.querySelector('main');
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  let words = 0;
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!node.textContent.trim() || el.closest(skip)) continue;
    // Not shown: hidden, in a closed fold (its content is skipped, not painted) or without a box.
    if (!el.checkVisibility({visibilityProperty: true})) continue;
    range.selectNodeContents(node);
    if (range.getClientRects().length === 0) continue;
    words += node.textContent.split(/\\s+/).filter(w => /[\\p{L}\\p{N}]/u.test(w)).length;
  }
  return words;
}"""


@dataclass
class StepFigures:
    name: str
    clicks: int = 0
    typed: int = 0
    loads: int = 0
    words: int = 0
    height: int = 0


@dataclass
class Visit:
    """The one wrapper every action goes through, and the figures it keeps per step."""
    page: object
    steps: list[StepFigures] = field(default_factory=list)
    counting: bool = True

    def __post_init__(self):
        self.page.on("framenavigated", self._navigated)

    def _navigated(self, frame) -> None:
        if frame == self.page.main_frame and self.counting and self.steps:
            self.steps[-1].loads += 1

    def step(self, name: str) -> StepFigures:
        """A new step begins on the page now shown (the load that brought it counts for it)."""
        figures = StepFigures(name, loads=0)
        if self.steps:  # the load that brought this page belongs to it, not to the step before
            self.steps[-1].loads -= 1
            figures.loads = 1
        figures.height = self.page.evaluate("document.documentElement.scrollHeight")
        self.steps.append(figures)
        return figures

    def measure(self) -> None:
        if self.steps and self.counting:
            self.steps[-1].words = max(self.steps[-1].words, self.page.evaluate(PATIENT_WORDS))

    def _count(self) -> None:
        if self.counting:
            self.steps[-1].clicks += 1

    def click(self, locator) -> None:
        self._count()
        locator.click()

    def check(self, locator) -> None:
        self._count()
        locator.check()

    def select(self, locator, value: str) -> None:
        self._count()
        locator.select_option(value)

    def fill(self, locator, text: str) -> None:
        if self.counting:
            self.steps[-1].typed += 1
        locator.fill(text)

    def button(self, name: str) -> None:
        """Press a button or link that loads another page; words are measured before it goes."""
        self.measure()
        self.click(self.page.get_by_role("button", name=name, exact=True))
        self.page.wait_for_load_state()


def group(page, name: str):
    return page.get_by_role("group", name=re.compile("^" + re.escape(name)))


# --- What the clinician and patient answer, step by step (a typical consultation) ---------------

def fill_start(v: Visit) -> None:
    v.fill(v.page.get_by_label("Patient reference"), "RK-2041")
    v.check(v.page.get_by_label("Right knee"))


def fill_assessment(v: Visit) -> None:
    v.check(v.page.locator("#diagnosis").get_by_label("Yes"))
    v.check(v.page.get_by_label(re.compile("^None of these")).first)
    v.fill(v.page.get_by_label("The patient's age, in whole years"), "34")


def fill_situation(v: Visit) -> None:
    p = v.page
    v.check(p.locator("#duration").get_by_label("3 to 12 months", exact=True))
    v.check(p.get_by_label("Running", exact=True))
    v.check(p.get_by_label("Going up or down stairs"))
    v.check(group(p, "How bad is the pain now").get_by_label("4", exact=True))
    v.check(p.get_by_label("Rest from running"))
    v.fill(p.get_by_label("Your running goals"), "Run the club 10k in the spring")
    fill_health(v)


def fill_health(v: Visit) -> None:
    """The health questions as the page has them (clinician-only: never on the patient's link):
    one "none of these" answer if it offers one."""
    p = v.page
    none_apply = p.locator("form").get_by_label(re.compile("^None of these")).filter(visible=True)
    if none_apply.count():
        v.check(none_apply.first)
        v.check(p.get_by_label(re.compile("^I have asked each of these")))  # the clinician confirms it
    else:
        for radio in p.locator("fieldset[id^=safety_]").all():
            v.check(radio.get_by_label("No", exact=True))


def fill_options(v: Visit) -> None:
    # The patient asks about one cell and its full text: what the side effects of a steroid are.
    v.click(v.page.locator("#cell-side_effects-corticosteroid summary"))


# The factors that matter to this runner, and how much (the page asks to rate only those that do).
MATTERS = {"avoid_needles": "A lot", "lasting_benefit": "Quite a lot", "cost": "A little",
           "time_off_running": "A lot"}


def fill_values(v: Visit) -> None:
    for factor, answer in MATTERS.items():
        v.check(v.page.locator(f"#value_{factor}").get_by_label(answer, exact=True))


def fill_check(v: Visit) -> None:
    # Every item answered: right, wrong and "Not sure" (the feedback differs for each).
    given = ["False", "False", "Not sure", "True", "False"]
    for number, fieldset in enumerate(v.page.locator("fieldset[id^=quiz_]").all()):
        v.check(fieldset.get_by_label(given[number % len(given)], exact=True))
    if not v.page.locator("[data-quiz-feedback]").filter(visible=True).count():
        v.button("Show the answers")  # the feedback did not show as each item was answered
    if v.page.locator("fieldset[id^=sure_]").count():  # rules 2 content asks SURE on this page too
        fill_ready(v)


def fill_ready(v: Visit) -> None:
    for fieldset in v.page.locator("fieldset[id^=sure_]").all():
        v.check(fieldset.get_by_label("Yes", exact=True))


def fill_decision(v: Visit) -> None:
    p = v.page
    v.check(p.get_by_label("Conservative care: exercise, load and running changes"))
    v.fill(p.get_by_label("The reasons, in the patient's own words"), "I want to keep running and avoid needles")
    v.fill(p.get_by_label("Next steps"), "Book a physio; try the home programme for 6 weeks")
    follow_up = p.get_by_label(re.compile("^Follow-up date"))
    if not follow_up.input_value():  # a default the clinician confirms needs no typing
        v.fill(follow_up, (dt.date.today() + dt.timedelta(weeks=6)).isoformat())


FILL = {"start": fill_start, "assessment": fill_assessment, "situation": fill_situation,
        "options": fill_options, "values": fill_values, "check": fill_check, "ready": fill_ready,
        "decision": fill_decision}


# What the clinician still fills in a step the patient answered beforehand.
CLINICIAN_ONLY = {"situation": fill_health}
# Steps with a part on the patient's link (patient_link/parts.py).
PATIENT_PARTS = ("situation", "options", "values")


def run_visit(page, answered_beforehand: frozenset[str] | set[str] = frozenset(), before=None) -> Visit:
    """The whole visit on ``page`` (signed in, on the Start page). ``before(discussion_url)``, if
    given, is called once the discussion exists (to have the patient's answers given beforehand)."""
    v = Visit(page)
    v.steps.append(StepFigures("Start page"))
    v.counting = True
    v.click(page.get_by_role("link", name="Start a new discussion"))
    page.wait_for_load_state()
    while True:
        step_id = page.url.rstrip("/").split("/")[-1] if "/steps/" in page.url else "start"
        if page.get_by_role("heading", level=1).inner_text() == "Summary":
            break
        if v.steps and v.steps[-1].name == step_id:  # "Save and continue" came back to the same step
            problem = page.locator(".error-summary")
            raise RuntimeError(f"{step_id} was refused: {problem.inner_text() if problem.count() else page.url}")
        v.step(step_id)
        if step_id not in answered_beforehand:
            FILL[step_id](v)
        elif step_id in CLINICIAN_ONLY:
            CLINICIAN_ONLY[step_id](v)
        v.button("Save and continue")
        if step_id == "start" and before is not None:
            before(page.url.split("/steps/")[0])
            v.counting = False  # the tablet's page was opened before the patient's answers came
            page.reload()
            v.counting = True
    v.step("summary")
    v.button("Finish")
    v.step("finished")
    v.measure()
    with page.expect_download() as download:
        v.click(page.get_by_role("link", name="Print PDF for the patient"))
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF"), "the summary did not download as a PDF"
    return v


def prefill(context, browser, base_url: str, steps: set[str]):
    """The patient's answers given beforehand through their own link: the clinician makes the link
    (in an uncounted tab), and the patient answers on their phone (a browser of their own)."""
    def fill(discussion_url: str) -> None:
        tab = context.new_page()
        tab.goto(f"{discussion_url}/patient-link")
        tab.get_by_role("button", name=re.compile("^Make (a new link|a link for the patient)")).click()
        token = re.search(r"/p/([A-Za-z0-9_-]+)", tab.locator(".patient-link-url").first.inner_text()).group(1)
        tab.close()
        phone = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True, base_url=base_url)
        patient = phone.new_page()
        patient.goto(f"/p/{token}")
        other = Visit(patient, counting=False)
        for step_id in [s for s in PATIENT_PARTS if s in steps]:
            patient.goto(f"/p/steps/{step_id}")
            FILL[step_id](other)
            patient.get_by_role("button", name="Save and continue").click()
            patient.wait_for_load_state()
            assert "/p/steps/" in patient.url and not patient.locator(".error-summary").count(), patient.url
        phone.close()
    return fill


def table(v: Visit) -> str:
    rows = [f"| {'step':<12} | clicks | typed | loads | words | height px |", "|---|---|---|---|---|---|"]
    for s in v.steps:
        rows.append(f"| {s.name:<12} | {s.clicks:>6} | {s.typed:>5} | {s.loads:>5} | {s.words:>5} | {s.height or '':>9} |")
    total = StepFigures("total", *(sum(getattr(s, k) for s in v.steps) for k in ("clicks", "typed", "loads", "words")))
    rows.append(f"| {'**total**':<12} | {total.clicks:>6} | {total.typed:>5} | {total.loads:>5} | {total.words:>5} | |")
    verdict = (f"clicks {total.clicks} (aim <= {AIM_CLICKS}: {'met' if total.clicks <= AIM_CLICKS else 'missed by ' + str(total.clicks - AIM_CLICKS)}), "
               f"taps with typing {total.clicks + total.typed}, "
               f"words {total.words} (aim <= {AIM_WORDS}: {'met' if total.words <= AIM_WORDS else 'missed by ' + str(total.words - AIM_WORDS)})")
    return "\n".join(rows) + "\n\n" + verdict


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--answered-beforehand", default="", help="comma-separated step ids, e.g. situation,values")
    parser.add_argument("--screenshots", action="store_true", help="full-page screenshots in test-artifacts/visit/")
    args = parser.parse_args()
    beforehand = {s for s in args.answered_beforehand.split(",") if s}
    unknown = beforehand - set(PATIENT_PARTS)
    if unknown:
        parser.error(f"not a step the patient can answer on their link: {', '.join(sorted(unknown))} "
                     f"(they can: {', '.join(PATIENT_PARTS)})")
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as p:
        env = production_env(Path(folder))
        prepare_database(env, EMAIL)
        with gunicorn(env, Path(folder), workers=2) as server:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            # localhost: Chromium keeps the production __Host- (Secure) cookie on plain HTTP there.
            context = browser.new_context(viewport=TABLET, accept_downloads=True,
                                          base_url=server.url.replace("127.0.0.1", "localhost"))
            context.set_default_timeout(30_000)
            page = context.new_page()
            page.goto("/login")
            page.get_by_label("E-mail address").fill(EMAIL)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(re.compile(r".*/$"))
            if args.screenshots:
                shots = ROOT / "test-artifacts" / "visit"
                shots.mkdir(parents=True, exist_ok=True)
                page.on("load", lambda pg: pg.screenshot(path=str(shots / f"{len(list(shots.iterdir())):02d}.png"),
                                                         full_page=True))
            try:
                base = server.url.replace("127.0.0.1", "localhost")
                visit = run_visit(page, beforehand, prefill(context, browser, base, beforehand) if beforehand else None)
            except Exception:
                print(server.output()[-4000:])  # the server's side of what went wrong
                raise
            browser.close()
    print(f"A typical visit at {TABLET['width']}x{TABLET['height']}"
          + (f", answered beforehand: {', '.join(sorted(beforehand))}" if beforehand else "") + "\n")
    print(table(visit))


if __name__ == "__main__":
    main()
