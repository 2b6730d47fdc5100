"""The no-recommendation guard, shared by every test that renders pages or PDFs."""
import re

# Phrases that rank or recommend. "does not recommend" is how the aid describes itself, so the
# scan removes exactly that phrase first.
RECOMMENDING = re.compile(
    r"we recommend|recommended for you|best option|you should choose|most suitable|"
    r"our recommendation|best choice|better choice|recommended option|ideal option|"
    r"right option for you|we suggest|is recommended",
    re.IGNORECASE)
SELF_DESCRIPTION = re.compile(r"(does|do|will) not recommend", re.IGNORECASE)


def recommending_phrases(text: str) -> list[str]:
    text = " ".join(text.split())
    return RECOMMENDING.findall(SELF_DESCRIPTION.sub("", text))
