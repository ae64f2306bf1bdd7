"""`quiz`, `ask` and `explain`: the tutor in a terminal."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import AsyncIterator
from typing import Any

from bot.cli.common import LOCAL_USER, now, services
from bot.core.explainer import Chunk, ExplainResult
from bot.core.grading import Grade
from bot.errors import InputError
from bot.services import Services


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


def show_grade(grade: Grade, reference: str) -> None:
    """The graded result as a person reads it."""
    print(f"\n{_bar(grade.score)} {round(grade.score * 100)}%  {grade.verdict.upper()}")
    for point in grade.covered:
        print(f"  ✓ {point}")
    for point in grade.missed:
        print(f"  ✗ {point}")
    for reason in grade.reasons:
        print(f"  ! {reason}")
    print(f"\nReference answer:\n{reference.strip()}\n")


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
    if not tutor.cards.cards():
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
        print(f"[{card.deck}] {card.title}  ({pick.reason})\nQ: {card.question}")
        hints = 0
        while True:
            answer = _read("> ")
            if answer is None or answer.strip() == ":quit":
                print("Bye.")
                return 0
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
                print(f"Skipped. The answer was:\n{card.answer.strip()}\n")
                break
            try:
                grade = tutor.grade(card, answer, hints)
            except InputError as exc:
                print(exc)
                continue
            tutor.review(LOCAL_USER, card, grade, now=now(), place="terminal", hints_used=hints)
            show_grade(grade, card.answer)
            if grade.verdict != "correct":
                choice = _read("Explain? [y/N] ")
                if choice is None:
                    return 0
                if choice.strip().lower().startswith("y"):
                    asyncio.run(stream_to_terminal(tutor.explain(card, answer, grade)))
                    print()
            break
