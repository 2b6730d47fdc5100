"""What a keyboard user and a screen reader see, as small helpers for the browser tests.

``Keyboard`` moves only with real key presses (Tab, arrows, Space, Enter, typing): no clicks and
no ``fill``. After every Tab it records the focused element and whether its focus is visible
(a computed outline or box-shadow), so a keyboard run also proves focus never disappears.
"""
from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from pypdf import PdfReader

VENDOR = Path(__file__).resolve().parent / "vendor"
AXE_VERSION = "4.14.1"
AXE_JS = VENDOR / f"axe-core-{AXE_VERSION}.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# The focused element as assistive technology would name it, and how its focus is drawn.
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const labels = el.labels && el.labels.length ? Array.from(el.labels).map(l => l.innerText).join(' ') : '';
  const cs = getComputedStyle(el);
  const outline = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2;
  const shadow = cs.boxShadow && cs.boxShadow !== 'none';
  const box = el.getBoundingClientRect();
  return {tag: el.tagName.toLowerCase(), type: el.type || '', name: el.name || '', value: el.value || '',
          id: el.id || '', label: (labels || el.getAttribute('aria-label') || '').replace(/\\s+/g, ' ').trim(),
          text: (el.innerText || '').replace(/\\s+/g, ' ').trim(), checked: !!el.checked,
          visible: outline || !!shadow, outline: cs.outlineStyle + ' ' + cs.outlineWidth + ' ' + cs.outlineColor,
          onScreen: box.bottom > 0 && box.top < window.innerHeight && box.width > 0 && box.height > 0,
          html: el.outerHTML.slice(0, 160)};
}"""


@dataclass
class Keyboard:
    page: object
    focused: list[dict] = field(default_factory=list)
    limit: int = 600

    def now(self) -> dict | None:
        return self.page.evaluate(FOCUSED)

    def tab(self, shift: bool = False) -> dict | None:
        self.page.keyboard.press("Shift+Tab" if shift else "Tab")
        info = self.now()
        if info is not None:
            self.focused.append(info)
        return info

    def tab_to(self, matches, what: str) -> dict:
        """Press Tab until the focused element matches; fails after ``limit`` presses."""
        for _ in range(self.limit):
            info = self.tab()
            if info is not None and matches(info):
                return info
        raise AssertionError(f"Tab never reached {what} on {self.page.url}")

    # --- by what a screen reader would announce --------------------------------------------
    def to_field(self, label: str) -> dict:
        return self.tab_to(lambda i: i["tag"] in ("input", "textarea", "select") and i["label"].startswith(label),
                           f"the field labelled {label!r}")

    def to_button(self, name: str) -> dict:
        return self.tab_to(lambda i: i["tag"] == "button" and i["text"] == name, f"the button {name!r}")

    def to_link(self, name: str) -> dict:
        return self.tab_to(lambda i: i["tag"] == "a" and i["text"].startswith(name), f"the link {name!r}")

    def type_into(self, label: str, text: str) -> None:
        self.to_field(label)
        self.page.keyboard.press("Control+A")
        self.page.keyboard.type(text)

    def press(self, button: str) -> None:
        self.to_button(button)
        self.page.keyboard.press("Enter")

    def follow(self, link: str) -> None:
        self.to_link(link)
        self.page.keyboard.press("Enter")

    def choose(self, field_name: str, label: str) -> None:
        """Tab into a radio group, then arrow to the choice (arrows check as they move)."""
        info = self.tab_to(lambda i: i["type"] == "radio" and i["name"] == field_name, f"the radio group {field_name}")
        for _ in range(20):
            if info["label"] == label:
                if not info["checked"]:
                    self.page.keyboard.press("Space")
                return
            self.page.keyboard.press("ArrowDown")
            info = self.now()
        raise AssertionError(f"no choice {label!r} in {field_name}")

    def tick(self, field_name: str, label: str) -> None:
        self.tab_to(lambda i: i["type"] == "checkbox" and i["name"] == field_name and i["label"] == label,
                    f"the checkbox {label!r}")
        self.page.keyboard.press("Space")

    def skip_to_main(self) -> None:
        """The first Tab on a page reaches the skip link; Enter moves focus to the main content."""
        first = self.tab()
        assert first and first["text"] == "Skip to main content", first
        self.page.keyboard.press("Enter")
        assert self.page.evaluate("document.activeElement.id") == "main"

    def invisible_focus(self) -> list[dict]:
        return [i for i in self.focused if not i["visible"]]


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def downloaded(download) -> bytes:
    return Path(download.path()).read_bytes()


# --- axe-core -----------------------------------------------------------------------------------

_AXE: dict[str, str] = {}


def run_axe(page) -> list[dict]:
    """Run axe-core on the page as it is now; the violations of the WCAG 2.0-2.2 A and AA tags.

    axe is put into the page with ``page.evaluate`` (a DevTools evaluation), not
    ``page.add_script_tag``: add_script_tag inserts an inline <script>, which the app's CSP
    (script-src 'self') rightly refuses, and bypass_csp would hide real CSP problems. A DevTools
    evaluation is not subject to the page's CSP, so every page keeps its real policy.
    """
    if "src" not in _AXE:
        _AXE["src"] = AXE_JS.read_text(encoding="utf-8")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(_AXE["src"])
    return page.evaluate(
        """async (tags) => {
          const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
          return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary,
                                      html: n.html.slice(0, 300)}))}));
        }""", WCAG_TAGS)


def assert_no_axe_violations(page, state: str = "") -> None:
    violations = run_axe(page)
    assert violations == [], f"axe-core {AXE_VERSION} found on {state or page.url}:\n" + \
        json.dumps(violations, indent=1)[:6000]


def no_horizontal_scroll(page) -> tuple[int, int]:
    return page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
