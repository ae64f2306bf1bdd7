"""Words and sentences: the text helpers the grader, the explainer and the search index share.

One normaliser, one word tokeniser, one stop-word list, one stemmer and the sentence
splitters, so that "the same word" means the same thing wherever text is compared. Two
deliberate variants are kept and named for what they serve:

- `search_terms` (BM25) uses a shorter stop-word list and a lighter stemmer than the grader:
  a search query is a few words, and dropping or folding more of them loses the query (the
  search figures in docs/QUALITY.md were measured with exactly this analysis).
- `split_sentences` (explanations) and `answer_sentences` (grading) split differently: model
  output is checked one full sentence at a time, while a typed answer's pieces are graded
  against key points, so blank lines, bullets and numbered items all end a unit there.
"""

from __future__ import annotations

import re
import unicodedata

_STOPWORD_TEXT = """a about above after again against all also am an and any are as at be
    because been
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just let me more most my myself of off on once only or other our
    ours ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself
    yourselves s t d ll m re ve o y etc e g i.e eg ie may might must shall us one"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
"""Function words and question words: they carry no content of their own."""

_NEGATION_TEXT = "no not never none nothing nobody neither nor cannot without n't"
NEGATIONS = frozenset(_NEGATION_TEXT.split())
"""Words that turn a statement into its opposite."""

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# A "word" also spans a zero-width character or soft hyphen inside it: normalise first.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"), None)
_SENTENCE_END = re.compile(
    r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])|\n\s*\n|\n\s*[-*•]\s+|\n(?=\d+\.\s)"
)
FENCE = re.compile(r"```.*?(?:```|$)", re.DOTALL)
"""A fenced code block (an unclosed fence runs to the end)."""


def normalize_text(text: str) -> str:
    """NFKC-fold, drop invisible and control characters, collapse blank runs; keeps line breaks.

    Zero-width characters inside a word are removed (not turned into spaces), so
    "tok\u200ben" reads as "token" — the way a person sees it.
    """
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    return re.sub(r"[ \t]+", " ", text).strip()


def words(text: str) -> list[str]:
    """Lower-cased word tokens."""
    return [w.replace("’", "'") for w in _WORD.findall(text.casefold())]


def stem(word: str) -> str:
    """A crude suffix stripper: enough to match "tokenizes"/"tokenized"/"tokenizing"."""
    for suffix in ("ational", "ization", "ations", "ation", "ingly", "ities", "ings", "ness"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    for suffix in ("ing", "ity", "ies", "ied", "ed", "es", "ly", "er", "s", "e"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def content_words(text: str) -> list[str]:
    """Words that carry content: not function words, not single letters."""
    return [w for w in words(text) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]


def is_negation(word: str) -> bool:
    """ "not", "never", "isn't", "cannot"…: a lower-cased word that negates."""
    return word in NEGATIONS or word.endswith("n't")


def answer_sentences(text: str) -> list[str]:
    """A typed answer's units for grading: sentences, list items and paragraphs, code left out."""
    parts = [" ".join(p.split()) for p in _SENTENCE_END.split(FENCE.sub("\n\n", text))]
    return [p for p in parts if content_words(p)]


def reference_sentences(text: str) -> list[str]:
    """Sentences of (already code-free) reference prose, whitespace collapsed, empties dropped."""
    return [s for s in (" ".join(p.split()) for p in _SENTENCE_END.split(text)) if s]


# -- search terms (BM25): a deliberately lighter analysis, see the module docstring ----------

_SEARCH_WORD = re.compile(r"[^\W_]+", re.UNICODE)
SEARCH_STOPWORDS = frozenset(
    """a an the of to in and or is are was were be been being for on with as by it its this that
    these those what how why do does did can could you your i we they from at into which who
    whom than then so not no if about there their them when where will would should""".split()
)
_SEARCH_SUFFIXES = ("ings", "ing", "ed", "es", "s")


def light_stem(word: str) -> str:
    """Search's stemmer: one plural or verb suffix, and only from words longer than four."""
    for suffix in _SEARCH_SUFFIXES:
        if len(word) > 4 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def search_terms(text: str) -> list[str]:
    """Lower-cased, stop-word-free, lightly stemmed terms of `text` (BM25's analysis)."""
    return [
        light_stem(w) for w in _SEARCH_WORD.findall(text.casefold()) if w not in SEARCH_STOPWORDS
    ]


# -- sentences of model output (explanations) -------------------------------------------------

_OUTPUT_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"')\]]))\s+(?=[\"'(\[]?[A-Z0-9`*])")
_PARAGRAPH = re.compile(r"\n\s*\n")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
_SPACES = re.compile(r"\s+")


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences (and list items), trimmed, empty pieces dropped.

    A plain heuristic: a sentence ends at ".", "!" or "?" followed by space and a capital,
    digit or quote; a blank line, a list bullet and the line after a list item also end one.
    Good enough for checking short model output sentence by sentence.
    """
    blocks: list[str] = []
    for paragraph in _PARAGRAPH.split(text):
        current: list[str] = []
        in_item = False
        for line in paragraph.splitlines():
            bullet = bool(_BULLET.match(line))
            if current and (bullet or in_item):
                blocks.append(" ".join(current))
                current = []
            current.append(_BULLET.sub("", line) if bullet else line)
            in_item = bullet
        if current:
            blocks.append(" ".join(current))
    out: list[str] = []
    for block in blocks:
        for piece in _OUTPUT_SENTENCE_END.split(block):
            cleaned = _SPACES.sub(" ", piece).strip()
            if cleaned:
                out.append(cleaned)
    return out
