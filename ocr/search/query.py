"""User input -> a small query tree, and from it a safe FTS5 MATCH string or a PostgreSQL
websearch string. Pure: no Django, so every hostile input can be tested quickly.

The syntax is the one people know from web search engines: words (all must match), "quoted
phrases", -word to exclude, `a or b`, and word* for a prefix. Anything else in the input is
punctuation: it separates words and can never reach the database as syntax.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_CHUNK = re.compile(r'(-?)"([^"]*)"?|(\S+)')
# The word characters both engines index (FTS5 unicode61 and PostgreSQL's parser both split
# on everything else), so a term never holds anything the MATCH parser could read as syntax.
_WORD = re.compile(r"[^\W_]+")
# Shorter words have too few trigrams to tell a typo from a different word.
MIN_FUZZY_LENGTH = 3
MAX_FUZZY_WORDS = 8


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True)
class Query:
    # All groups must match; a group matches when any of its terms does.
    groups: tuple[tuple[Term, ...], ...] = ()
    excluded: tuple[Term, ...] = ()
    words: tuple[str, ...] = field(default=())  # every positive word, for fuzzy matching

    @property
    def empty(self) -> bool:
        return not self.groups


def parse(text: str) -> Query:
    groups: list[list[Term]] = []
    excluded: list[Term] = []
    join_next = False
    for match in _CHUNK.finditer(text):
        negated, phrase, bare = match.group(1), match.group(2), match.group(3)
        if bare is not None:
            if bare.lower() == "or" and groups:
                join_next = True
                continue
            negated = "-" if bare.startswith("-") and len(bare) > 1 else ""
            prefix = bare.endswith("*")
            words = tuple(_WORD.findall(bare))
        else:
            prefix = False
            words = tuple(_WORD.findall(phrase))
        if not words:
            continue
        term = Term(words=tuple(w.lower() for w in words), prefix=prefix)
        if negated:
            excluded.append(term)
        elif join_next:
            groups[-1].append(term)
        else:
            groups.append([term])
        join_next = False
    positive = [w for group in groups for term in group for w in term.words]
    return Query(
        groups=tuple(tuple(g) for g in groups),
        excluded=tuple(excluded),
        words=tuple(dict.fromkeys(positive)),
    )


def _fts5_term(term: Term) -> str:
    quoted = '"' + " ".join(term.words).replace('"', '""') + '"'
    return quoted + " *" if term.prefix else quoted


def to_fts5(query: Query) -> str | None:
    """An FTS5 MATCH expression; None when nothing searchable is left."""
    if query.empty:
        return None
    groups = []
    for group in query.groups:
        parts = [_fts5_term(t) for t in group]
        groups.append(parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")")
    expression = " AND ".join(groups)
    if query.excluded:
        expression += " NOT (" + " OR ".join(_fts5_term(t) for t in query.excluded) + ")"
    return expression


def _websearch_term(term: Term) -> str:
    return '"' + " ".join(term.words) + '"' if len(term.words) > 1 else term.words[0]


def to_websearch(query: Query) -> str:
    """The non-prefix part as websearch_to_tsquery input (words only, so always valid)."""
    groups = []
    for group in query.groups:
        parts = [_websearch_term(t) for t in group if not t.prefix]
        if parts and len(parts) == len(group):
            groups.append(" or ".join(parts))
    excluded = [f"-{_websearch_term(t)}" for t in query.excluded if not t.prefix]
    return " ".join(groups + excluded)


def to_prefix_tsquery(query: Query) -> str:
    """Prefix terms as to_tsquery input: 'quick' <-> 'bro':*. Each word is quoted, so the
    configuration still stems it and nothing in it is read as an operator."""
    parts = []
    for group in query.groups:
        if not any(t.prefix for t in group):
            continue
        alternatives = []
        for term in group:
            quoted = [f"'{w}'" for w in term.words]
            if term.prefix:
                quoted[-1] += ":*"
            alternatives.append("(" + " <-> ".join(quoted) + ")")
        parts.append("(" + " | ".join(alternatives) + ")")
    return " & ".join(parts)


def fuzzy_words(query: Query) -> tuple[str, ...]:
    return tuple(w for w in query.words if len(w) >= MIN_FUZZY_LENGTH)[:MAX_FUZZY_WORDS]
