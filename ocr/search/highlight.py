"""Headlines: the engines mark matches with control characters that never occur in OCR text,
then the whole string is HTML-escaped and only the markers become <mark>. So the only markup in a
headline is ours, whatever the text holds. Also the trigram similarity used to mark and rank
fuzzy matches, shaped like pg_trgm's so both backends agree."""

from __future__ import annotations

import html
import re

START = "\x02"
STOP = "\x03"
# 0.5 lets one wrong character through in a word of five letters or more ("rnodern" shares 4 of
# the 7 trigrams of "modern"), which pg_trgm's default of 0.6 does not.
FUZZY_THRESHOLD = 0.5

_WORD = re.compile(r"[^\W_]+")

# Characters OCR confuses, folded the same way in the text and in the query before trigrams are
# compared, so "L0ndon" meets "London" and "rnodern" meets "modern" whole, not by one trigram
# in two. PostgreSQL indexes the same folding (migration 0003, region_text_trgm): keep in step.
OCR_FOLD_FROM = "015"
OCR_FOLD_TO = "ols"
_FOLD = str.maketrans(OCR_FOLD_FROM, OCR_FOLD_TO)


def fold(text: str) -> str:
    return text.lower().translate(_FOLD).replace("rn", "m")


def to_html(marked: str) -> str:
    escaped = html.escape(marked, quote=True)
    return escaped.replace(START, "<mark>").replace(STOP, "</mark>")


def clean(text: str) -> str:
    """The text without our marker characters, so a region cannot forge a mark."""
    return text.replace(START, "").replace(STOP, "")


def trigrams(word: str) -> set[str]:
    padded = f"  {fold(word)} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def similarity(query_word: str, text_word: str) -> float:
    """How much of the query word's trigrams the text word has (pg_trgm's word_similarity
    for a single word)."""
    wanted = trigrams(query_word)
    return len(wanted & trigrams(text_word)) / len(wanted) if wanted else 0.0


def fuzzy_score(text: str, words: tuple[str, ...]) -> float:
    """The mean over query words of their best similarity to a word of the text; 0 when any
    query word has no similar word (every word must match, as with exact search)."""
    text_words = _WORD.findall(text)
    if not words or not text_words:
        return 0.0
    best = [max(similarity(w, t) for t in text_words) for w in words]
    return 0.0 if min(best) < FUZZY_THRESHOLD else sum(best) / len(best)


def mark_similar(text: str, words: tuple[str, ...]) -> str:
    """The text as HTML, with every word similar to a query word marked."""

    def mark(match: re.Match[str]) -> str:
        similar = any(similarity(w, match.group(0)) >= FUZZY_THRESHOLD for w in words)
        return f"{START}{match.group(0)}{STOP}" if similar else match.group(0)

    return to_html(_WORD.sub(mark, clean(text)))


_MARKED = re.compile(r"<mark>(.*?)</mark>", re.S)


def marked_words(headline: str) -> set[str]:
    """The words a headline marks, lower-cased, as _WORD splits them."""
    return {
        word.lower()
        for marked in _MARKED.findall(headline)
        for word in _WORD.findall(html.unescape(marked))
    }


def matched_word_polygons(headline: str, words: list[dict] | None) -> list[list[list[float]]]:
    """The polygons of a line's words (as stored: {"polygon", "text", "score"}) that the
    headline marks: what a hit highlights on the page instead of the whole line."""
    marked = marked_words(headline)
    found = []
    for word in words or ():
        parts = {part.lower() for part in _WORD.findall(str(word.get("text", "")))}
        if parts & marked:
            found.append(word["polygon"])
    return found
