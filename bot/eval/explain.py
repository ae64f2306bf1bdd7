"""Explanation quality: wrong and partial answers for the seed deck, replayed.

`measure_fallback_rate` runs the explainer over a fixed set of plausible student answers
(one partial, one wrong per seed card) and counts how often the grounding check rejected the
model's text. Three sets: `SEED_ANSWERS` (the original 32, read and tuned on since),
`DEV_ANSWERS` (for tuning) and `tests/data/explain_fresh.jsonl` (written and committed before
anything ran on it: the one the goals are reported on).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.core.cards import Card, normalize_question
from bot.core.explainer import Explainer, ExplainResult
from bot.core.prompts import Prompts
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.core.grading import Grade
    from bot.core.ports import Embedder

# Seed-deck question (its first words, folded) -> (a partial answer, a wrong answer).
SEED_ANSWERS: dict[str, tuple[str, str]] = {
    "what is tokenization": (
        "Tokenization splits text into smaller pieces.",
        "Tokenization is encrypting text so that nobody can read it.",
    ),
    "how do token embeddings assist": (
        "They turn each token into a vector.",
        "Token embeddings compress the text into a zip file to save memory.",
    ),
    "why can't a pretrained language model": (
        "Because the model was trained with that tokenizer.",
        "It can: tokenizers are interchangeable, so you can swap them freely.",
    ),
    "how do contextualized word embeddings differ": (
        "Contextual embeddings depend on the sentence.",
        "Contextual embeddings are the same in every sentence, static ones change.",
    ),
    "how is the deberta model used": (
        "DeBERTa turns tokens into embeddings.",
        "DeBERTa is a tokenizer that splits words into characters.",
    ),
    "how do we generate contextualized embeddings": (
        "You load a model and pass the text to it.",
        "You train DeBERTa from scratch on your sentence and read the loss.",
    ),
    "what is the primary purpose of text embeddings": (
        "They represent a sentence as a vector.",
        "They give one vector per character so documents get longer.",
    ),
    "how does the embedding model convert": (
        "It turns the text into a vector.",
        "It looks each word up in a dictionary and returns its definition.",
    ),
    "how can you generate a text embedding using the averaging": (
        "You take the token embeddings.",
        "You use the embedding of the last token only.",
    ),
    "why do specialized text embedding models": (
        "Because they are trained for it.",
        "Averaging is always better than specialized models.",
    ),
    "how do you create a text embedding using the": (
        "You load a SentenceTransformer model.",
        "You call tokenizer.decode on the text.",
    ),
    "what does the `shape` attribute": (
        "It tells you the size.",
        "It shows the geometric shape of the word, like a circle.",
    ),
    "what are word embeddings": (
        "They are vectors for words.",
        "Word embeddings are one-hot vectors with a single 1.",
    ),
    "how does the word2vec algorithm": (
        "It uses skip-gram.",
        "word2vec counts how often words appear in documents.",
    ),
    "what is skip-gram": (
        "It predicts context words.",
        "Skip-gram skips every second word in the text to make it shorter.",
    ),
    "what is negative sampling": (
        "It adds negative examples.",
        "Negative sampling removes words with negative sentiment from the corpus.",
    ),
}


# Other answers to the same cards, for tuning prompts and thresholds: the figures reported in
# docs/QUALITY.md come from SEED_ANSWERS, which nothing was tuned on.
DEV_ANSWERS: dict[str, tuple[str, str]] = {
    "what is tokenization": (
        "It breaks a sentence up into words.",
        "Tokenization translates text into another language.",
    ),
    "how do token embeddings assist": (
        "Each word gets a list of numbers.",
        "They let the model store the text on disk as images.",
    ),
    "why can't a pretrained language model": (
        "Its embeddings belong to the tokens of its own vocabulary.",
        "Because tokenizers are copyrighted and cannot be shared.",
    ),
    "how do contextualized word embeddings differ": (
        "A contextual embedding changes with the surrounding words.",
        "Static embeddings are computed by a bigger model, contextual ones by a smaller one.",
    ),
    "how is the deberta model used": (
        "It runs the tokens through its layers.",
        "DeBERTa counts the words and outputs a frequency table.",
    ),
    "how do we generate contextualized embeddings": (
        "You tokenize the text first.",
        "You write the embeddings by hand in a spreadsheet.",
    ),
    "what is the primary purpose of text embeddings": (
        "They capture what a text means.",
        "They make documents shorter by deleting words.",
    ),
    "how does the embedding model convert": (
        "It extracts features from the text.",
        "It converts every letter to its ASCII code.",
    ),
    "how can you generate a text embedding using the averaging": (
        "You average something.",
        "You pick the longest token's embedding.",
    ),
    "why do specialized text embedding models": (
        "They capture semantic relationships better.",
        "They are just bigger versions of averaging with no training.",
    ),
    "how do you create a text embedding using the": (
        "You call encode on the text.",
        "You download the vectors from a website for each sentence.",
    ),
    "what does the `shape` attribute": (
        "It shows how many numbers the vector has.",
        "It tells you the font of the text.",
    ),
    "what are word embeddings": (
        "They capture word meaning.",
        "Word embeddings are pictures of words used in OCR.",
    ),
    "how does the word2vec algorithm": (
        "It uses CBOW.",
        "word2vec sorts words alphabetically and numbers them.",
    ),
    "what is skip-gram": (
        "It uses a central word.",
        "Skip-gram predicts the central word from its neighbours.",
    ),
    "what is negative sampling": (
        "It samples a few random words.",
        "Negative sampling predicts every word of the vocabulary for each pair.",
    ),
}


@dataclass(frozen=True, slots=True)
class ExplainRecord:
    """One replayed explanation: what went in, what streamed (checked text only), the result."""

    card: Card
    kind: str
    answer: str
    grade: Grade
    draft: str
    result: ExplainResult
    ttft_s: float
    total_s: float


def seed_cases(
    cards: Sequence[Card], answers: dict[str, tuple[str, str]] | None = None
) -> list[tuple[Card, str, str]]:
    """(card, kind, answer) for every card with canned answers (kind: partial or wrong)."""
    cases: list[tuple[Card, str, str]] = []
    for card in cards:
        q = normalize_question(card.question)
        for prefix, (partial, wrong) in (answers or SEED_ANSWERS).items():
            if q.startswith(prefix):
                cases += [(card, "partial", partial), (card, "wrong", wrong)]
                break
    return cases


FRESH_CASES = Path(__file__).resolve().parents[2] / "tests" / "data" / "explain_fresh.jsonl"


def file_cases(cards: Sequence[Card], path: Path) -> list[tuple[Card, str, str]]:
    """(card, kind, answer) from a JSON-lines file of {"card_id", "kind", "answer"}."""
    by_id = {c.card_id: c for c in cards}
    cases: list[tuple[Card, str, str]] = []
    for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        card = by_id.get(row["card_id"])
        if card is None:
            raise ValueError(f"{path}:{n}: no card {row['card_id']} in the decks")
        cases.append((card, str(row["kind"]), str(row["answer"])))
    return cases


async def replay(
    explainer: Explainer,
    cases: Sequence[tuple[Card, str, str]],
    grade: Callable[[Card, str], Grade],
) -> list[ExplainRecord]:
    """Explain every case in order, timing the stream."""
    records: list[ExplainRecord] = []
    for card, kind, answer in cases:
        g = grade(card, answer)
        draft: list[str] = []
        first: float | None = None
        result: ExplainResult | None = None
        start = time.perf_counter()
        async for chunk in explainer.explain(card, answer, g):
            if isinstance(chunk, ExplainResult):
                result = chunk
            else:
                first = time.perf_counter() - start if first is None else first
                draft.append(chunk)
        total = time.perf_counter() - start
        assert result is not None  # explain always ends with a result
        ttft = total if first is None else first
        records.append(ExplainRecord(card, kind, answer, g, "".join(draft), result, ttft, total))
        source = f"fallback ({result.reason})" if result.fallback else "llm"
        print(f"case {len(records)}/{len(cases)}: {source}, {total:.1f} s", file=sys.stderr)
    return records


def summarize(records: Sequence[ExplainRecord]) -> dict[str, Any]:
    """Fallback rate and dropped-sentence counts of replayed explanations."""
    n = len(records)
    ungrounded = sum(r.result.reason == "ungrounded" for r in records)
    other = sum(r.result.fallback and r.result.reason != "ungrounded" for r in records)
    dropped = sum(len(r.result.dropped) for r in records)
    return {
        "cases": n,
        "fallback_rate": round(ungrounded / n, 4) if n else 0.0,
        "grounding_fallbacks": ungrounded,
        "other_fallbacks": other,
        "dropped_sentences": dropped,
        "model_sentences_shown": sum(r.result.written for r in records),
        "templated_sentences": sum(r.result.templated for r in records),
        "cases_with_a_templated_sentence": sum(r.result.templated > 0 for r in records),
        "mean_first_text_s": round(sum(r.ttft_s for r in records) / n, 3) if n else 0.0,
    }


async def measure_fallback_rate(
    explainer: Explainer, cards: Sequence[Card], grade: Callable[[Card, str], Grade]
) -> dict[str, Any]:
    """Replay the seed answers for `cards` and report how often the grounding check fell back."""
    return summarize(await replay(explainer, seed_cases(cards), grade))


def deck_cards(settings: Settings) -> list[Card]:
    """Every card of the decks under the configured knowledge directory."""
    from bot.core.decks import discover_deck_files, load_deck_file

    cards: list[Card] = []
    for path in discover_deck_files([settings.knowledge_dir]):
        cards += load_deck_file(path).cards
    return cards


def fallback_report(
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    dev: bool = False,
    cases_file: Path | None = None,
) -> dict[str, Any]:
    """Grounding-fallback rate of the configured model over the seed-deck answer replay.

    Every seed card gets a partial and a wrong answer (`SEED_ANSWERS`, `DEV_ANSWERS` with
    `dev`, or the cases of `cases_file`), graded by the real grader; the result has the
    summary plus every case (what the learner was shown, what the check dropped) for judging
    and docs/QUALITY.md.
    """
    from bot.core.grading import Grader
    from bot.infra.llm import build_llm

    if embedder is None:
        from bot.infra.embedder import load_embedder

        embedder = load_embedder(settings.embedder, models_dir=settings.models_dir)
    service = build_llm(settings)
    if service is None:
        return {"llm_model": "none"}
    grader = Grader(embedder)
    explainer = Explainer(service, embedder, Prompts.load(settings.prompts_dir))

    async def run() -> dict[str, Any]:
        await service.ready()
        cards = deck_cards(settings)
        if cases_file is not None:
            cases = file_cases(cards, cases_file)
        else:
            cases = seed_cases(cards, DEV_ANSWERS if dev else SEED_ANSWERS)
        records = await replay(
            explainer, cases, lambda card, answer: grader.grade(card.question, card.answer, answer)
        )
        rows = [
            {
                "card_id": r.card.card_id,
                "question": r.card.question,
                "kind": r.kind,
                "answer": r.answer,
                "verdict": r.grade.verdict,
                "covered": r.grade.covered,
                "missed": r.grade.missed,
                "contradicted": r.grade.contradicted,
                "shown": r.draft,
                "text": r.result.text,
                "fallback": r.result.fallback,
                "reason": r.result.reason,
                "dropped": r.result.dropped,
                "written": r.result.written,
                "templated": r.result.templated,
                "first_text_s": round(r.ttft_s, 3),
                "total_s": round(r.total_s, 3),
            }
            for r in records
        ]
        return {**summarize(records), "llm_model": settings.llm_model, "records": rows}

    try:
        return asyncio.run(run())
    finally:
        service.close()


def main() -> None:
    """`python -m bot.eval.explain [--dev | --fresh] [OUT.json]`: replay, print and save."""
    args = sys.argv[1:]
    dev, fresh = "--dev" in args, "--fresh" in args
    args = [a for a in args if a not in ("--dev", "--fresh")]
    report = fallback_report(Settings(), dev=dev, cases_file=FRESH_CASES if fresh else None)
    if args:
        Path(args[0]).write_text(json.dumps(report, indent=2) + "\n", "utf-8")
    summary = {k: v for k, v in report.items() if k != "records"}
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
