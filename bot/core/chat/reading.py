"""Reading a typed message: a command word, a question for the cards, or an answer.

A person chatting with the tutor types one of three things: a command word ("hint", "next",
"why?", "just tell me"), a question to answer from the cards ("wait, what's negative
sampling?"), or an answer (or a dialogue reply) to the card the tutor asked. `read_message`
tells them apart with the tutor's own signals: how the text is phrased (a trailing "?", a
wh-word, "what is") and how similar it is to the pending card compared with the other cards
(`Signals`, measured by `Tutor.signals`). No cloud classifier is involved.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from bot.core.cards import Card
from bot.core.chat.conversation import Phase
from bot.core.explainer import RELEVANCE_THRESHOLD
from bot.core.limits import MAX_MESSAGE_CHARS
from bot.core.text import clip

QUESTION_THRESHOLD = 2.0
"""A message whose question score reaches this is a question, below it an answer."""


class Command(StrEnum):
    """The plain words a person can type in a conversation."""

    HINT = "hint"
    SKIP = "skip"
    EXPLAIN = "explain"
    NEXT = "next"
    WHY = "why"
    STOP = "stop"
    STATS = "stats"
    TELL = "tell"
    """"Just tell me": in a dialogue, the tutor states the point; elsewhere it reveals the answer."""


class Kind(StrEnum):
    """What a typed message is."""

    COMMAND = "command"
    QUESTION = "question"
    ANSWER = "answer"
    EMPTY = "empty"


_PHRASES: dict[Command, tuple[str, ...]] = {
    Command.HINT: (
        "hint", "a hint", "give me a hint", "can i have a hint", "can i get a hint",
        "another hint", "one more hint", "more hints", "clue", "a clue", "give me a clue",
        "i need a hint", "any hints", "hint me",
    ),
    Command.SKIP: (
        "skip", "skip it", "skip this", "skip this one", "skip that", "pass", "i pass",
        "i give up", "give up", "reveal", "reveal it", "reveal the answer", "show answer",
        "show the answer", "show me the answer", "tell me the answer", "what's the answer",
        "whats the answer", "what is the answer",
    ),
    Command.NEXT: (
        "next", "next one", "next question", "next card", "move on", "lets move on",
        "let's move on", "go on", "continue", "another", "another one", "another question",
        "keep going", "carry on", "onward", "onwards",
    ),
    Command.EXPLAIN: (
        "explain", "explain it", "explain that", "explain this", "explain more",
        "explanation", "tell me more", "more", "elaborate", "go deeper", "explain pls",
        "can you explain", "explain to me", "explain the answer",
    ),
    Command.WHY: (
        "why", "but why", "why so", "why is that", "why's that", "whys that", "why not",
        "how come", "why that", "how so", "why is it",
    ),
    Command.STOP: (
        "stop", "quit", "exit", "end", "bye", "goodbye", "good bye", "done", "i'm done",
        "im done", "i am done", "that's enough", "thats enough", "enough", "cancel",
        "finish", "stop tutoring", "end session", "stop the quiz", "end the quiz",
        "stop quiz", "see you", "see ya", "cya",
    ),
    Command.TELL: (
        "just tell me", "tell me", "just tell me it", "tell me already", "just say it",
        "say it", "just tell me the answer", "you tell me", "just give it to me",
        "just tell", "tell me what it is", "just tell me what it is",
    ),
    Command.STATS: (
        "stats", "my stats", "statistics", "progress", "my progress", "score", "my score",
        "how am i doing", "how did i do", "results", "my results",
    ),
}  # fmt: skip
_LOOKUP = {phrase: cmd for cmd, phrases in _PHRASES.items() for phrase in phrases}
_FUZZY = ("hint", "skip", "next", "stop", "stats", "explain")
"""Single words matched despite a typo (a swap of neighbours, a repeated letter; longer ones
also one letter off). Substitutions in short words are not forgiven: "text" is not "next"."""
_AFTER_GRADE_YES = frozenset(
    (
        "ok", "okay", "k", "yes", "yep", "yeah", "y", "sure", "go", "go ahead", "alright",
        "all right", "cool", "got it", "sounds good", "next please", "ready", "i'm ready",
        "thanks", "thank you", "thx", "ty", "great", "nice",
    )
)  # fmt: skip
"""After grading, these take the offer to move on."""
_FILLER_EDGE = re.compile(
    r"^(?:(?:ok|okay|hey|hi|um+|uh+|so|well|tutor|bot|and|now|then|pls|plz|please)\s+)+"
    r"|(?:\s+(?:please|pls|plz|thanks|thank you|thx|ty|now|then|tutor|bot|again|lol))+$"
)
_PUNCT = re.compile(r"[^\w\s']+")
_SPACES = re.compile(r"\s+")
_MENTION = re.compile(r"<@[!&]?\d+>")
_WH = frozenset(
    "what what's whats why how how's hows when where which who who's whos whom whose".split()
)
_AUX = frozenset(
    "is are was were do does did can could should would will isn't aren't doesn't don't "
    "can't shouldn't wouldn't won't has have".split()
)
_LEADS = frozenset("wait hold hmm hm um uh so but and ok okay oh sorry btw quick also".split())
_ASKING = re.compile(
    r"\b(?:what(?:'s| is| are| does| do)|whats|how (?:does|do|is|are|can)|can you|could you|"
    r"tell me (?:about|what|how|why)|i (?:have|got) a question|quick question|"
    r"what(?:'s| is) the difference|difference between|i don't understand|i dont understand|"
    r"what does .* mean)\b"
)
_HEDGES = re.compile(r"^(?:is it|isn't it|isnt it|maybe|perhaps|i think|i guess|i believe)\b")


def normalize(text: str) -> str:
    """Fold a message for command matching: case, width, punctuation, spacing, mentions."""
    text = unicodedata.normalize("NFKC", _MENTION.sub(" ", text)).casefold()
    text = text.replace("’", "'").replace("‘", "'").lstrip("/!.").strip()
    return _SPACES.sub(" ", _PUNCT.sub(" ", text)).strip()


def _squeeze(word: str) -> str:
    return re.sub(r"(.)\1+", r"\1", word)


def _one_edit(a: str, b: str) -> bool:
    """True when `a` and `b` differ by exactly one insertion, deletion or substitution."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i + 1 :] == b[i + 1 :] if len(a) == len(b) else a[i:] == b[i + 1 :]


def _typo_of(word: str, command: str) -> bool:
    if _squeeze(word) == _squeeze(command):
        return True
    if len(word) == len(command) and sorted(word) == sorted(command):
        diff = [i for i in range(len(word)) if word[i] != command[i]]
        if len(diff) == 2 and diff[1] == diff[0] + 1:
            return True  # two neighbours swapped: "nxet", "hnit"
    return len(command) >= 5 and _one_edit(word, command)


def parse_command(text: str, phase: Phase | None = None) -> Command | None:
    """The command a message is, or None; tolerant of case, punctuation and small typos.

    Only a whole message is a command ("skip" is, "skip the part about vectors" is not),
    so an answer that happens to contain a command word is still graded as an answer.
    After grading, a plain "ok"/"yes" takes the offer to move on.
    """
    folded = normalize(text)
    stripped = _FILLER_EDGE.sub("", folded).strip()
    for candidate in (folded, stripped):
        if candidate in _LOOKUP:
            return _LOOKUP[candidate]
    if phase is Phase.GRADED and (folded in _AFTER_GRADE_YES or stripped in _AFTER_GRADE_YES):
        return Command.NEXT
    words = stripped.split()
    if len(words) == 1:
        for name in _FUZZY:
            if _typo_of(words[0], name):
                return Command(name)
        if words[0] == "stat":
            return Command.STATS
    return None


@dataclass(frozen=True, slots=True)
class Signals:
    """How close a message is to the pending card and to the best other card (cosine 0..1)."""

    pending: float | None
    other: float
    other_card_id: str | None = None


@dataclass(frozen=True, slots=True)
class Reading:
    """What a message was read as, and the evidence (for logs and tests)."""

    kind: Kind
    text: str
    command: Command | None = None
    score: float = 0.0
    reasons: tuple[str, ...] = ()
    about_pending: bool = False
    """A question whose best match is the pending card itself (answering would give it away)."""


def question_score(text: str, signals: Signals | None = None) -> tuple[float, list[str]]:
    """How much a message reads as a question rather than an answer, with the reasons."""
    folded = normalize(text)
    words = folded.split()
    score = 0.0
    reasons: list[str] = []
    if text.rstrip().rstrip(")]\"'").endswith("?"):
        score += 2.0
        reasons.append("ends with ?")
    lead = 0
    while lead < len(words) - 1 and words[lead] in _LEADS:
        lead += 1
    hedged = bool(_HEDGES.match(folded))
    if hedged:  # "is it X?" offers an answer, however it is punctuated
        score -= 2.0
        reasons.append("hedged answer")
    elif words and (words[lead] in _WH or words[lead] in _AUX):
        score += 1.5
        reasons.append(f"starts with {words[lead]!r}")
    if _ASKING.search(folded):
        score += 1.0
        reasons.append("asking phrase")
    if words and words[0] in {"wait", "hold", "hmm", "btw", "sorry"}:
        score += 0.5
        reasons.append("interjection")
    if len(words) > 25:
        score -= 1.0
        reasons.append("long")
    if signals is not None and signals.pending is not None:
        margin = signals.other - signals.pending
        if signals.pending >= RELEVANCE_THRESHOLD and margin < 0:
            score -= 1.0
            reasons.append(f"close to the pending card ({signals.pending:.2f})")
        elif margin > 0.1 and signals.other >= RELEVANCE_THRESHOLD:
            score += 1.0
            reasons.append(f"about another card (+{margin:.2f})")
    return score, reasons


def read_message(text: str, phase: Phase | None, signals: Signals | None = None) -> Reading:
    """Classify a message as a command, a question or an answer to the pending card.

    With no card pending (`phase` None) or after grading, anything that is not a command is
    a question: there is nothing to answer. In a dialogue, an answer is a reply to the
    tutor's hint or prompt.
    """
    text = text.strip()
    if not text:
        return Reading(Kind.EMPTY, text)
    command = parse_command(text, phase)
    if command is not None:
        return Reading(Kind.COMMAND, text, command=command, reasons=("command word",))
    score, reasons = question_score(text, signals)
    if phase not in (Phase.ASKING, Phase.DIALOGUE):
        return Reading(Kind.QUESTION, text, score=score, reasons=(*reasons, "no card pending"))
    if score >= QUESTION_THRESHOLD:
        about = (
            signals is not None
            and signals.pending is not None
            and signals.pending >= RELEVANCE_THRESHOLD
            and signals.pending >= signals.other
        )
        return Reading(
            Kind.QUESTION, text, score=score, reasons=tuple(reasons), about_pending=about
        )
    return Reading(Kind.ANSWER, text, score=score, reasons=tuple(reasons))


_ANAPHORA = frozenset("it that this they them those these its so".split())


def is_anaphoric(message: str) -> bool:
    """Whether a question leans on what came before ("why?", "what does that mean?")."""
    words = normalize(message).split()
    content = [w for w in words if w not in _ANAPHORA and w not in _WH and w not in _AUX]
    return not content or (len(words) <= 8 and bool(_ANAPHORA & set(words)))


def context_question(message: str, card: Card | None, subject: str | None = None) -> str:
    """The question to retrieve and answer with, given the conversation so far.

    A short or anaphoric question ("why?", "what does it mean?") is about what was being
    discussed: the person's last question if one was answered since the card was asked
    (`subject`), else the card; that text is put in front of it. A self-contained question
    is used as it is, so retrieval is not pulled towards the current card.
    """
    message = message.strip()
    if not is_anaphoric(message):
        return message
    before = subject or (card.question.strip() if card is not None else "")
    return clip(f"{before} {message}", 480) if before else message


def cut_message(text: str, limit: int = MAX_MESSAGE_CHARS) -> tuple[str, bool]:
    """The message cut to `limit` characters, and whether it was cut."""
    return (text, False) if len(text) <= limit else (text[:limit], True)
