"""A synthetic OCR corpus for the search benchmark: deterministic, fast, and shaped like the real
thing (a Zipf-distributed vocabulary, lines of 3 to 12 words, a few OCR-style misreadings)."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator

# The most common English words first, so the head of the Zipf curve reads like real text.
_COMMON = """the of and to a in is it you that he was for on are with as his they be at one have
this from or had by word but what some we can out other were all there when up use your how said
an each she which do their time if will way about many then them write would like so these her
long make thing see him two has look more day could go come did number sound no most people my
over know water than call first who may down side been now find any new work part take get place
made live where after back little only round man year came show every good me give our under name
very through just form sentence great think say help low line differ turn cause much mean before
move right boy old too same tell does set three want air well also play small end put home read
hand port large spell add even land here must big high such follow act why ask men change went
light kind off need house picture try us again animal point mother world near build self earth
father head stand own page should country found answer school grow study still learn plant cover
food sun four between state keep eye never last let thought city tree cross farm hard start might
story saw far sea draw left late run while press close night real life few north open seem together
next white children begin got walk example ease paper group always music those both mark often
letter until mile river car feet care second book carry took science eat room friend began idea
fish mountain stop once base hear horse cut sure watch color face wood main enough plain girl
usual young ready above ever red list though feel talk bird soon body dog family direct pose leave
song measure door product black short numeral class wind question happen complete ship area half
rock order fire south problem piece told knew pass since top whole king space heard best hour
better during hundred five remember step early hold west ground interest reach fast verb sing
listen six table travel less morning ten simple several vowel toward war lay against pattern slow
center love person money serve appear road map rain rule govern pull cold notice voice unit power
town fine certain fly fall lead cry dark machine note wait plan figure star box noun field rest
correct able pound done beauty drive stood contain front teach week final gave green oh quick
develop ocean warm free minute strong special mind behind clear tail produce fact street inch
multiply nothing course stay wheel full force blue object decide surface deep moon island foot
system busy test record boat common gold possible plane stead dry wonder laugh thousand ago ran
check game shape equate hot miss brought heat snow tire bring yes distant fill east paint language
among register births marriage deaths parish church london county court letters ledger account
invoice receipt total amount payment street railway station company limited office""".split()  # noqa: SIM905 (a compact list)

_ONSETS = (
    "b bl br c ch cl cr d dr f fl fr g gl gr h j k l m n p pl pr qu r s sc sh sl st t th tr v w"
)
_ONSETS_LIST = _ONSETS.split()
_VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "ee", "ie", "oa", "ou"]
_CODAS = ["", "", "n", "r", "s", "t", "l", "m", "nd", "nt", "st", "ck", "ng", "rd", "ll"]
_SUFFIXES = ["", "", "", "s", "ed", "ing", "er", "ly", "tion", "ment", "ness", "ful"]
_TYPOS = [("m", "rn"), ("rn", "m"), ("o", "0"), ("l", "1"), ("e", "c"), ("h", "b"), ("i", "l")]


def vocabulary(size: int = 4000, seed: int = 7) -> list[str]:
    """Real common words, then made-up but pronounceable ones, unique, in frequency order."""
    rng = random.Random(seed)
    words = list(dict.fromkeys(_COMMON))
    seen = set(words)
    while len(words) < size:
        syllables = rng.choice((1, 2, 2, 2, 3, 3, 4))
        stem = "".join(
            rng.choice(_ONSETS_LIST) + rng.choice(_VOWELS) + rng.choice(_CODAS)
            for _ in range(syllables)
        )
        word = stem + rng.choice(_SUFFIXES)
        if word not in seen and 3 <= len(word) <= 16:
            seen.add(word)
            words.append(word)
    return words


def zipf_weights(size: int, exponent: float = 1.07) -> list[float]:
    return list(itertools.accumulate(1.0 / (rank**exponent) for rank in range(1, size + 1)))


def misread(word: str, rng: random.Random) -> str:
    """One OCR-style error: a confusable pair, else one wrong letter."""
    for wrong, right in rng.sample(_TYPOS, len(_TYPOS)):
        if wrong in word:
            return word.replace(wrong, right, 1)
    i = rng.randrange(len(word))
    return word[:i] + rng.choice("abcdefghijklmnopqrstuvwxyz") + word[i + 1 :]


def regions(
    count: int, seed: int = 1, typo_rate: float = 0.02, vocab: list[str] | None = None
) -> Iterator[str]:
    """`count` region texts of 3 to 12 words."""
    rng = random.Random(seed)
    vocab = vocab or vocabulary()
    weights = zipf_weights(len(vocab))
    batch = 10_000
    for start in range(0, count, batch):
        lengths = [rng.randint(3, 12) for _ in range(min(batch, count - start))]
        words = rng.choices(vocab, cum_weights=weights, k=sum(lengths))
        position = 0
        for length in lengths:
            line = words[position : position + length]
            position += length
            for i in range(length):
                if rng.random() < typo_rate:
                    line[i] = misread(line[i], rng)
            if rng.random() < 0.2:  # capitalised line starts, as in running text
                line[0] = line[0].capitalize()
            yield " ".join(line)
