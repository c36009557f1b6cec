"""Compare generated text with the seed article, sentence by sentence."""

from __future__ import annotations

import difflib
import re
from html.parser import HTMLParser
from pathlib import Path

SEED = Path(__file__).resolve().parent / "fixtures" / "seed_article.txt"
SECTIONS = ["Introduction", "Description", "Conclusion"]
HEADINGS = SECTIONS + ["Acknowledgement", "Conflict of Interest", "References"]


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        self.skip += tag in ("head", "script", "style")
        if tag in ("p", "h1", "h2", "div", "section", "li", "tr", "br"):
            self.parts.append("\n")

    def handle_endtag(self, tag):
        self.skip -= tag in ("head", "script", "style")
        if tag in ("p", "h1", "h2", "div", "section", "li", "tr"):
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def html_text(html: str) -> str:
    """Visible text of an HTML page, one block per line."""
    parser = _Text()
    parser.feed(html)
    return "".join(parser.parts)


def markdown_text(markdown: str) -> str:
    """Markdown with links, escapes and emphasis removed."""
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", markdown)
    text = re.sub(r"\\(.)", r"\1", text)
    return text.replace("*", "")


def sections(text: str) -> dict[str, str]:
    """Text under each known heading."""
    out, current = {}, None
    for line in text.splitlines():
        bare = line.strip().lstrip("#").strip()
        if bare in HEADINGS:
            current = bare
            out[current] = []
        elif current:
            out[current].append(line)
    return {k: re.sub(r"\s+", " ", " ".join(v)).strip() for k, v in out.items()}


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?\]])\s+(?=[A-Z])", text) if len(s) > 20]


def unmatched_sentences(generated: str, section: str) -> list[str]:
    """Seed sentences of *section* with no close match (ratio >= 0.85) in *generated*."""
    seed = sections(SEED.read_text(encoding="utf-8"))[section]
    candidates = sentences(sections(generated).get(section, ""))
    missing = []
    for sentence in sentences(seed):
        if not any(difflib.SequenceMatcher(None, sentence, c).ratio() >= 0.85 for c in candidates):
            missing.append(sentence)
    return missing


def seed_references() -> list[str]:
    """The seed's reference list, one entry per item, without its number."""
    refs = sections(SEED.read_text(encoding="utf-8"))["References"].split("How to cite this article")[0]
    return [r.strip() for r in re.split(r"\s*\b\d{1,2}\. (?=[A-Z]\. )", " " + refs) if r.strip()]
