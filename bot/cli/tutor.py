"""`quiz`, `ask` and `explain`: the tutor in a terminal."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import AsyncIterator
from typing import Any

from bot.cli.common import LOCAL_USER, now, services
from bot.core.cards import Card
from bot.core.chat.conversation import Phase
from bot.core.chat.reading import Command, parse_command
from bot.core.dialogue import Answered
from bot.core.explainer import Chunk, ExplainResult
from bot.core.grading import Grade
from bot.core.latex import math_to_text
from bot.core.tutor import Tutor
from bot.errors import InputError
from bot.services import Services

MARKS = {"hint": "Hint: "}
LEAVE = (Command.SKIP, Command.STOP, Command.NEXT)
"""Words that end a dialogue (it is recorded as it stood)."""


def register(commands: Any) -> None:
    """Add the tutoring commands to the CLI."""
    p = commands.add_parser("quiz", help="the tutor in this terminal")
    p.add_argument("--topic", help="quiz on cards about this")
    p.add_argument("--deck", help="only this deck")
    p.set_defaults(handler=quiz)

    p = commands.add_parser("ask", help="an answer grounded in the cards, with citations")
    p.add_argument("question", help="your question")
    p.set_defaults(handler=ask)

    p = commands.add_parser("explain", help="explain what an answer to a card missed")
    p.add_argument("--card", required=True, help="card id")
    p.add_argument("--answer", required=True, help="the answer to explain")
    p.set_defaults(handler=explain)


async def stream_to_terminal(chunks: AsyncIterator[Chunk]) -> ExplainResult | None:
    """Print tokens as they arrive; then, if checking changed the text, the checked text."""
    streamed: list[str] = []
    result: ExplainResult | None = None
    async for chunk in chunks:
        if isinstance(chunk, ExplainResult):
            result = chunk
        else:
            streamed.append(chunk)
            sys.stdout.write(chunk)
            sys.stdout.flush()
    if streamed:
        print()
    if result is not None and result.text.strip() != "".join(streamed).strip():
        if streamed:
            note = "(not everything above was supported by the cards; the checked version:)"
            print(f"\n{note}")
        print(result.text)
    return result


def ask(args: argparse.Namespace) -> int:
    """Answer a question from the cards."""
    svc = services()
    try:
        result = asyncio.run(stream_to_terminal(svc.tutor.ask(args.question)))
        if result is not None and result.cited:
            print("cards: " + ", ".join(result.cited))
    finally:
        svc.close()
    return 0


def explain(args: argparse.Namespace) -> int:
    """Grade an answer to a card, then stream the explanation."""
    svc = services()
    try:
        card = svc.tutor.card(args.card)
        grade = svc.tutor.grade(card, args.answer)
        print(f"{grade.verdict} ({grade.score:.2f})")
        asyncio.run(stream_to_terminal(svc.tutor.explain(card, args.answer, grade)))
    finally:
        svc.close()
    return 0


def _bar(score: float, width: int = 20) -> str:
    filled = round(score * width)
    return "█" * filled + "░" * (width - filled)


def show_grade(grade: Grade, reference: str | None) -> None:
    """The graded result as a person reads it (missed points and reference hidden when None:
    a dialogue on them follows)."""
    print(f"\n{_bar(grade.score)} {round(grade.score * 100)}%  {grade.verdict.upper()}")
    for point in grade.covered:
        print(f"  ✓ {point}")
    for line in grade.corrections(reveal=reference is not None):
        print(f"  ✗ {line}")
    if reference is None:
        print(f"  … {len(grade.missed)} point(s) to work through, one at a time\n")
        return
    for point in grade.missed:
        print(f"  – {point}")
    for reason in grade.reasons:
        print(f"  ! {reason}")
    print(f"\nReference answer:\n{math_to_text(reference).strip()}\n")


def _read(prompt: str) -> str | None:
    try:
        return input(prompt)
    except EOFError:
        return None


def quiz(args: argparse.Namespace) -> int:
    """Ask, read an answer, grade, explain on request; progress is recorded for `local`."""
    svc = services()
    try:
        return _quiz_loop(svc, args.topic, args.deck)
    finally:
        svc.close()


def _quiz_loop(svc: Services, topic: str | None, deck: str | None) -> int:
    tutor = svc.tutor
    if not tutor.topics():
        print("The index is empty: ingesting knowledge/ first…")
        svc.ingest()
    print("Answer in your own words. Type :hint for a hint, :skip to skip, :quit to stop.\n")
    asked: set[str] = set()
    while True:
        pick = tutor.next_card(LOCAL_USER, now=now(), topic=topic, deck=deck, exclude=asked)
        if pick is None:
            print("No more cards" + (f" on {topic!r}." if topic else "."))
            return 0
        card = pick.card
        asked.add(card.card_id)
        print(f"[{card.deck}] {card.title}  ({pick.reason})\nQ: {math_to_text(card.question)}")
        if not _one_card(tutor, card):
            print("Bye.")
            return 0


def _one_card(tutor: Tutor, card: Card) -> bool:
    """Ask one card until it is answered or skipped; False when the person quits."""
    hints = 0
    while True:
        answer = _read("> ")
        if answer is None or answer.strip() == ":quit":
            return False
        if answer.strip() == ":hint":
            hint = tutor.hint(card, hints)
            if hint is None:
                print("No more hints for this card.")
            else:
                hints += 1
                print(f"Hint: {hint}")
            continue
        if not answer.strip():
            print("Type your answer (or :hint, :skip, :quit).")
            continue
        if answer.strip() == ":skip":
            tutor.skip(LOCAL_USER, card, now=now(), place="terminal")
            print(f"Skipped. The answer was:\n{math_to_text(card.answer).strip()}\n")
            return True
        try:
            result = tutor.answer(
                LOCAL_USER, card, answer, now=now(), place="terminal", hints_used=hints
            )
        except InputError as exc:
            print(exc)
            continue
        if result.dialogue is None:
            show_grade(result.grade, card.answer)
            return _offer_explanation(tutor, card, answer, result.grade)
        show_grade(result.grade, None)
        return _work_through(tutor, card, result)


def _work_through(tutor: Tutor, card: Card, result: Answered) -> bool:
    """The dialogue on what the answer missed, reply by reply; False when the person quits."""
    quit_ = False
    while True:
        for turn in result.turns:
            if turn.step != "done":
                print(f"{MARKS.get(turn.step, '')}{turn.text}")
        dialogue = result.dialogue
        if dialogue is None:
            break
        reply = _read("> ")
        command = parse_command(reply or "", Phase.DIALOGUE)
        if reply is None or reply.strip() in (":quit", ":skip") or command in LEAVE:
            quit_ = reply is None or reply.strip() == ":quit" or command is Command.STOP
            result = tutor.end(dialogue, card, now=now())
        elif not reply.strip():
            print("Type your reply (or: just tell me, skip, stop).")
            result = Answered(card.card_id, result.grade, (), dialogue=dialogue)
        elif command in (Command.TELL, Command.EXPLAIN):
            result = tutor.tell(dialogue, card, now=now())
        elif command is Command.HINT or reply.strip() == ":hint":
            result = tutor.more(dialogue, card, now=now())
        else:
            try:
                result = tutor.reply(dialogue, card, reply, now=now())
            except InputError as exc:
                print(exc)
                result = Answered(card.card_id, result.grade, (), dialogue=dialogue)
    assert result.final is not None
    print(result.turns[-1].text)
    show_grade(result.final, card.answer)
    return not quit_


def _offer_explanation(tutor: Tutor, card: Card, answer: str, grade: Grade) -> bool:
    if grade.verdict == "correct":
        return True
    choice = _read("Explain? [y/N] ")
    if choice is None:
        return False
    if choice.strip().lower().startswith("y"):
        asyncio.run(stream_to_terminal(tutor.explain(card, answer, grade)))
        print()
    return True
