"""`flashtutor tutor --script FILE.jsonl`: the tutor driven by a script, for evaluation and tests.

Input, one JSON object per line: `{"start": {"card": ID}}` or `{"start": {"topic": "..."}}`
asks a card; `{"say": "..."}` is what the learner types (an answer, a dialogue reply, or a
command word: "hint", "skip", "stop", "just tell me"). Output, one JSON line per tutor turn:
`{"text", "card", "point", "step", "verdict"}` (see `TutorTurn.to_dict`), or `{"error"}` for
a line that cannot be used. The same Tutor, grader and progress store as Discord.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

from bot.cli.common import LOCAL_USER, dump, now, read_jsonl, services
from bot.core.cards import Card
from bot.core.chat.conversation import Phase
from bot.core.chat.reading import Command, parse_command
from bot.core.dialogue import Answered, Dialogue, TutorTurn
from bot.core.tutor import Tutor
from bot.errors import FlashtutorError

PLACE = "script"


def register(commands: Any) -> None:
    """Add `tutor --script` to the CLI."""
    p = commands.add_parser("tutor", help="the tutor driven by a JSON Lines script")
    p.add_argument(
        "--script",
        required=True,
        metavar="FILE.jsonl",
        help='lines of {"start"} / {"say"}; "-" for stdin',
    )
    p.add_argument(
        "--user", default=LOCAL_USER, help=f"whose progress to record (default {LOCAL_USER})"
    )
    p.set_defaults(handler=run_script)


@dataclass
class Session:
    """Where the script stands: the card asked, hints taken, the open dialogue."""

    card: Card | None = None
    hints: int = 0
    dialogue: Dialogue | None = None
    answered: bool = False


def run_script(args: argparse.Namespace) -> int:
    """Run a script; one output line per tutor turn, in order."""
    svc = services()
    try:
        tutor = svc.tutor
        if not tutor.topics():
            svc.ingest()  # a fresh data directory: index knowledge/ first, as `quiz` does
        session = Session()
        failed = False
        for _, item in read_jsonl(args.script, ()):
            try:
                if isinstance(item, str):
                    raise ScriptError(item)
                turns = step(tutor, session, item, args.user)
            except FlashtutorError as exc:
                dump({"error": str(exc)})
                failed = True
                continue
            for turn in turns:
                dump(turn.to_dict())
        if session.dialogue is not None and session.card is not None:
            # The script ended mid-dialogue: record what was reached, as leaving would.
            for turn in tutor.end(session.dialogue, session.card, now=now()).turns:
                dump(turn.to_dict())
        return 1 if failed else 0
    finally:
        svc.close()


class ScriptError(FlashtutorError):
    """A script line that cannot be used."""


def step(tutor: Tutor, session: Session, item: dict[str, Any], user: str) -> list[TutorTurn]:
    """Carry out one script line."""
    if "start" in item:
        return start(tutor, session, item["start"], user)
    said = item.get("say")
    if not isinstance(said, str):
        raise ScriptError('each line needs "start" or "say" (a string)')
    if session.card is None:
        raise ScriptError('"say" before any "start"')
    if session.dialogue is not None:
        return in_dialogue(tutor, session, session.card, said)
    if session.answered:
        raise ScriptError('this card is done: "start" another')
    return asking(tutor, session, session.card, said, user)


def start(tutor: Tutor, session: Session, spec: Any, user: str) -> list[TutorTurn]:
    """Ask a card by id or topic (ending any dialogue still open, recorded as left)."""
    turns: list[TutorTurn] = []
    if session.dialogue is not None and session.card is not None:
        turns += tutor.end(session.dialogue, session.card, now=now()).turns
    if not isinstance(spec, dict):
        raise ScriptError('"start" needs {"card": ID} or {"topic": "..."}')
    if isinstance(spec.get("card"), str):
        card = tutor.card(spec["card"])
    elif isinstance(spec.get("topic"), str):
        pick = tutor.next_card(user, now=now(), topic=spec["topic"])
        if pick is None:
            raise ScriptError(f"no card on {spec['topic']!r}")
        card = pick.card
    else:
        raise ScriptError('"start" needs {"card": ID} or {"topic": "..."}')
    session.card, session.hints, session.dialogue, session.answered = card, 0, None, False
    return [*turns, TutorTurn(card.question.strip(), "question", card.card_id)]


def asking(tutor: Tutor, session: Session, card: Card, said: str, user: str) -> list[TutorTurn]:
    """Before the answer: a command word, or the answer itself."""
    command = parse_command(said, Phase.ASKING)
    if command is Command.HINT:
        hint = tutor.hint(card, session.hints)
        if hint is None:
            return [TutorTurn("No more hints for this card.", "hint", card.card_id)]
        session.hints += 1
        return [TutorTurn(f"Hint: {hint}", "hint", card.card_id, point=session.hints - 1)]
    if command in (Command.SKIP, Command.TELL, Command.NEXT):
        tutor.skip(user, card, now=now(), place=PLACE)
        session.answered = True
        text = f"Skipped. The answer was: {card.answer.strip()}"
        return [TutorTurn(text, "done", card.card_id, verdict="skipped")]
    if command is Command.STOP:
        session.answered = True
        return [TutorTurn("Stopped; nothing was recorded.", "done", card.card_id)]
    result = tutor.answer(user, card, said, now=now(), place=PLACE, hints_used=session.hints)
    return _after(session, result)


def in_dialogue(tutor: Tutor, session: Session, card: Card, said: str) -> list[TutorTurn]:
    """A reply in the dialogue, or "just tell me" / "hint" / "skip" / "stop"."""
    dialogue = session.dialogue
    assert dialogue is not None
    command = parse_command(said, Phase.DIALOGUE)
    if command in (Command.TELL, Command.EXPLAIN):
        result = tutor.tell(dialogue, card, now=now())
    elif command is Command.HINT:
        result = tutor.more(dialogue, card, now=now())
    elif command in (Command.SKIP, Command.STOP, Command.NEXT):
        result = tutor.end(dialogue, card, now=now())
    else:
        result = tutor.reply(dialogue, card, said, now=now())
    return _after(session, result)


def _after(session: Session, result: Answered) -> list[TutorTurn]:
    session.dialogue = result.dialogue
    session.answered = not result.open
    return list(result.turns)
