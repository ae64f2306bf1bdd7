"""A tutoring conversation: reading a typed message, and the state that survives restarts.

A person chatting with the tutor types one of three things: a command word ("hint", "next",
"why?"), a question to answer from the cards ("wait, what's negative sampling?"), or an answer
to the card the tutor asked. `read_message` tells them apart with the tutor's own signals:
how the text is phrased (a trailing "?", a wh-word, "what is") and how similar it is to the
pending card compared with the other cards (`measure`). No cloud classifier is involved.

`Conversation` is the state one conversation needs to continue after a restart: the pending
card, the hints used, the last answer and grade, and the last few turns (bounded). It is
frozen; every step returns a new state, and it round-trips through `to_dict`/`from_dict`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal

from bot.core.cards import Card
from bot.core.explainer import RELEVANCE_THRESHOLD
from bot.core.grading import Grade
from bot.core.limits import MAX_EXPLAINED_ANSWER_CHARS, MAX_MESSAGE_CHARS
from bot.core.text import clip
from bot.core.tutor import scopes_for

if TYPE_CHECKING:
    from bot.core.tutor import Tutor

IDLE_AFTER = timedelta(minutes=30)
"""A conversation with no message for this long closes itself."""
MAX_TURNS = 6
"""Turns kept as context for questions (older ones are dropped)."""
TURN_CHARS = 300
MAX_SAVED_ANSWER_CHARS = MAX_EXPLAINED_ANSWER_CHARS
"""The explainer reads at most this much of an answer, so no more is kept."""
RECENT_CARDS = 5
"""Cards asked lately, not asked again at once."""
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


class Kind(StrEnum):
    """What a typed message is."""

    COMMAND = "command"
    QUESTION = "question"
    ANSWER = "answer"
    EMPTY = "empty"


class Phase(StrEnum):
    """Where a conversation stands: waiting for an answer, or after grading one."""

    ASKING = "asking"
    GRADED = "graded"


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
    a question: there is nothing to answer.
    """
    text = text.strip()
    if not text:
        return Reading(Kind.EMPTY, text)
    command = parse_command(text, phase)
    if command is not None:
        return Reading(Kind.COMMAND, text, command=command, reasons=("command word",))
    score, reasons = question_score(text, signals)
    if phase is not Phase.ASKING:
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


def measure(tutor: Tutor, text: str, pending: Card | None, guild_id: str | None) -> Signals:
    """Similarity of `text` to the pending card and to the closest other card (blocking)."""
    hits = tutor.cards.search(text, k=4, scopes=scopes_for(guild_id))
    others = [h.card for h in hits if pending is None or h.card.card_id != pending.card_id][:3]
    cards = ([pending] if pending is not None else []) + others
    scores = tutor.explainer.relevance(text, cards) if cards else []
    offset = 1 if pending is not None else 0
    rest = scores[offset:]
    best = max(range(len(rest)), key=rest.__getitem__) if rest else None
    return Signals(
        pending=scores[0] if pending is not None else None,
        other=rest[best] if best is not None else 0.0,
        other_card_id=others[best].card_id if best is not None else None,
    )


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


@dataclass(frozen=True, slots=True)
class Turn:
    """One message of the conversation, clipped."""

    role: Literal["tutor", "person"]
    text: str


@dataclass(frozen=True, slots=True)
class Conversation:
    """Everything needed to continue a conversation, after a restart too."""

    user_id: str
    place: str
    """"dm", or "channel:<id>" for a private thread opened in that channel."""
    channel_id: str
    """Where the conversation happens (the DM channel or the thread)."""
    started_at: datetime
    last_active: datetime
    guild_id: str | None = None
    """The server it was started from: its own decks are visible (in DMs too)."""
    topic: str | None = None
    phase: Phase = Phase.ASKING
    card_id: str | None = None
    hints_used: int = 0
    last_answer: str | None = None
    last_grade: dict[str, Any] | None = None
    turns: tuple[Turn, ...] = ()
    recent_cards: tuple[str, ...] = ()
    ignored: tuple[str, ...] = ()
    """Other people already told, once, that this conversation is not theirs."""
    subject: str | None = None
    """The person's last question answered since the card was asked (context for "why?")."""
    answered: int = 0
    correct: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    # --- steps -----------------------------------------------------------------------------

    def said(self, role: Literal["tutor", "person"], text: str) -> Conversation:
        """The state with one more turn (the oldest dropped beyond `MAX_TURNS`)."""
        turn = Turn(role, clip(" ".join(text.split()), TURN_CHARS))
        return replace(self, turns=(*self.turns, turn)[-MAX_TURNS:])

    def asking(self, card_id: str, now: datetime) -> Conversation:
        """The tutor has asked `card_id`."""
        recent = (*[c for c in self.recent_cards if c != card_id], card_id)[-RECENT_CARDS:]
        return replace(
            self,
            phase=Phase.ASKING,
            card_id=card_id,
            hints_used=0,
            last_answer=None,
            last_grade=None,
            recent_cards=recent,
            subject=None,
            last_active=now,
        )

    def hinted(self, now: datetime) -> Conversation:
        """One more hint was given for the pending card."""
        return replace(self, hints_used=self.hints_used + 1, last_active=now)

    def graded(self, answer: str, grade: Grade, now: datetime) -> Conversation:
        """The person's answer to the pending card was graded (and recorded)."""
        return replace(
            self,
            phase=Phase.GRADED,
            last_answer=answer[:MAX_SAVED_ANSWER_CHARS],
            last_grade=grade.to_dict(),
            answered=self.answered + 1,
            correct=self.correct + (grade.verdict == "correct"),
            last_active=now,
        )

    def revealed(self, now: datetime) -> Conversation:
        """The pending card was skipped: its answer is shown, nothing is left to answer."""
        return replace(self, phase=Phase.GRADED, last_answer=None, last_grade=None, last_active=now)

    def discussed(self, question: str) -> Conversation:
        """A question of the person's was answered: later "why?"s refer to it."""
        return replace(self, subject=clip(" ".join(question.split()), TURN_CHARS))

    def touched(self, now: datetime) -> Conversation:
        """The person said something (keeps the conversation from idling out)."""
        return replace(self, last_active=now)

    def noticed(self, user_id: str) -> Conversation:
        """`user_id` has been told this conversation is someone else's."""
        return self if user_id in self.ignored else replace(self, ignored=(*self.ignored, user_id))

    def idle(self, now: datetime, after: timedelta = IDLE_AFTER) -> bool:
        """Whether nothing has happened for `after`."""
        return now - self.last_active >= after

    def grade(self) -> Grade | None:
        """The last grade, rebuilt."""
        if self.last_grade is None:
            return None
        g = self.last_grade
        return Grade(
            float(g["score"]),
            g["verdict"],
            list(g["covered"]),
            list(g["missed"]),
            list(g["reasons"]),
        )

    # --- storage ---------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (datetimes as ISO strings); round-trips through `from_dict`."""
        return {
            "user_id": self.user_id,
            "place": self.place,
            "channel_id": self.channel_id,
            "started_at": self.started_at.isoformat(),
            "last_active": self.last_active.isoformat(),
            "guild_id": self.guild_id,
            "topic": self.topic,
            "phase": self.phase.value,
            "card_id": self.card_id,
            "hints_used": self.hints_used,
            "last_answer": self.last_answer,
            "last_grade": self.last_grade,
            "turns": [[t.role, t.text] for t in self.turns],
            "recent_cards": list(self.recent_cards),
            "ignored": list(self.ignored),
            "subject": self.subject,
            "answered": self.answered,
            "correct": self.correct,
            "extra": dict(self.extra),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Conversation:
        """Rebuild a conversation from `to_dict` output."""
        turns = tuple(
            Turn("tutor" if role == "tutor" else "person", str(text))
            for role, text in data.get("turns", [])
        )
        return cls(
            user_id=str(data["user_id"]),
            place=str(data["place"]),
            channel_id=str(data["channel_id"]),
            started_at=datetime.fromisoformat(data["started_at"]),
            last_active=datetime.fromisoformat(data["last_active"]),
            guild_id=data.get("guild_id"),
            topic=data.get("topic"),
            phase=Phase(data.get("phase", Phase.ASKING)),
            card_id=data.get("card_id"),
            hints_used=int(data.get("hints_used", 0)),
            last_answer=data.get("last_answer"),
            last_grade=data.get("last_grade"),
            turns=turns[-MAX_TURNS:],
            recent_cards=tuple(data.get("recent_cards", ())),
            ignored=tuple(data.get("ignored", ())),
            subject=data.get("subject"),
            answered=int(data.get("answered", 0)),
            correct=int(data.get("correct", 0)),
            extra=dict(data.get("extra", {})),
        )
