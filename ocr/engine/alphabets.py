"""Alphabets a recognizer may be held to: which characters it is allowed to output.

A PP-OCR dictionary holds 18,708 characters, most of them Chinese, plus dingbats, box drawing
and arrows. On Latin pages a picture, a flag or a stamp then reads as a confident Han character
('办', '字'); with the output layer cut down to the page's alphabet the network cannot say it.
Each alphabet is a rule on code points, so it applies to any dictionary (and to Tesseract's
whitelist) and can be checked on any text without loading a model.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable

ALL = "all"
DEFAULT = "latin"

# Latin letters with their accents: Basic Latin, Latin-1, Extended-A and -B (ſ included:
# historical prints use it), Latin Extended Additional (Vietnamese, medievalist letters), and
# the fi/fl ligatures. IPA and the phonetic extensions are left out: nobody writes them on a
# page we read, and a network guessing at a blot likes them.
_LATIN_LETTER_RANGES = ((0x00C0, 0x024F), (0x1E00, 0x1EFF), (0xFB00, 0xFB06))
# Common symbols beside the letters: Latin-1's (° ± × ÷ § © ® µ ¶ ½ ...), general punctuation
# (dashes, quotes, †, •, …, ‰, ′), super- and subscripts, currency signs, and letterlike and
# mathematical signs seen on forms, invoices and papers: set and logic signs and the Greek
# letters formulas use. Without these a paper's ⊆, ∅ or α came back as C, 0 or a (125 more
# errors on pdf_born_digital's 34 pages than with the whole dictionary; FUNSD, the books, the
# historical prints and the handwritten wills read the same either way). Greek letters that
# look like Latin ones (ο ν υ ι κ ρ χ, the capitals A B E ...) stay out: a Latin word must
# not come back with a Greek omicron in it, which looks right and is never found by search.
_SYMBOL_RANGES = ((0x00A0, 0x00BF), (0x2010, 0x205E), (0x2070, 0x209F), (0x20A0, 0x20CF))
_SYMBOLS = frozenset(
    "×÷℃℉™№℮←↑→↓↔⇐⇒⇔−∓√∞∝≈≠≡≤≥≪≫∑∏∂∆∇∫∈∉∋⊂⊃⊆⊇∅∩∪∀∃∄∧∨⊕⊗⊥∥∠∼∗∘⋅⟨⟩αβγδεζηθλμξπσςτφψωϕϵΓΔΘΛΞΠΣΦΨΩ"
)


def _in(code: int, ranges: Iterable[tuple[int, int]]) -> bool:
    return any(low <= code <= high for low, high in ranges)


def is_latin(char: str) -> bool:
    """Latin letters with accents, digits, ASCII punctuation, currency and common symbols."""
    code = ord(char)
    if 0x20 <= code <= 0x7E:
        return True
    if _in(code, _LATIN_LETTER_RANGES):
        # Latin-1's × and ÷ sit among its letters; they are symbols and allowed as such.
        return unicodedata.category(char) != "Cn"
    return _in(code, _SYMBOL_RANGES) or char in _SYMBOLS


def is_greek(char: str) -> bool:
    """Latin plus Greek (and the Coptic letters the Greek block holds)."""
    code = ord(char)
    return is_latin(char) or 0x0370 <= code <= 0x03FF or 0x1F00 <= code <= 0x1FFF


def is_cjk(char: str) -> bool:
    """Latin plus Chinese and Japanese: Han, kana, CJK punctuation and fullwidth forms."""
    code = ord(char)
    return is_latin(char) or _in(
        code,
        (
            (0x3000, 0x30FF),  # CJK punctuation, hiragana, katakana
            (0x3400, 0x4DBF),  # Han extension A
            (0x4E00, 0x9FFF),  # Han
            (0xF900, 0xFAFF),  # Han compatibility
            (0xFF00, 0xFFEF),  # fullwidth and halfwidth forms
        ),
    )


ALPHABETS: dict[str, Callable[[str], bool]] = {
    "latin": is_latin,
    "greek": is_greek,
    "cjk": is_cjk,
    ALL: lambda char: True,
}
DESCRIPTIONS: dict[str, str] = {
    "latin": "Latin letters with accents, digits, punctuation, currency and common symbols "
    "(formulas' Greek letters and set signs among them)",
    "greek": "Latin and Greek",
    "cjk": "Latin, Chinese and Japanese",
    ALL: "everything the model's dictionary holds (Chinese, symbols, dingbats)",
}


def allows(alphabet: str, char: str) -> bool:
    """Whether `char` (one character; a space always) belongs to `alphabet`."""
    return char == " " or ALPHABETS[alphabet](char)


def outside(alphabet: str, text: str) -> str:
    """The characters of `text` that `alphabet` does not allow, each once, in order."""
    return "".join(dict.fromkeys(c for c in text if not allows(alphabet, c)))


def characters(alphabet: str) -> str:
    """The space and every assigned character of `alphabet` in the Basic Multilingual Plane
    (Tesseract's whitelist, which without the space joins words with '_'); empty for `all`,
    which needs no list."""
    if alphabet == ALL:
        return ""
    rule = ALPHABETS[alphabet]
    return " " + "".join(
        chr(code)
        for code in range(0x21, 0xFFF0)
        if not 0xD800 <= code <= 0xDFFF
        and unicodedata.category(chr(code)) not in ("Cn", "Cc", "Cs", "Co", "Zs")
        and rule(chr(code))
    )
