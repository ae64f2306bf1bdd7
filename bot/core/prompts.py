"""LLM prompt templates: plain files in `prompts/` that a self-hoster can edit.

Each template uses `{placeholder}` fields (a literal brace is written `{{` or `}}`). Templates
are checked when loaded, so a typo fails at start-up with the file and the placeholder named,
not halfway through a quiz.

Every prompt is the system text, then the card (`CARD_FIELDS`, the same first lines in every
per-card template), then the part that depends on the learner: the model's prompt cache then
reuses the system text and the card from one request to the next (and from `prewarm`).
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path

from bot.errors import ConfigError

CARD_FIELDS = frozenset({"question", "reference", "background"})
"""What every per-card template starts with (and what `prewarm` evaluates ahead of time)."""

# file name -> the placeholders it must use (and may not go beyond).
TEMPLATES: dict[str, frozenset[str]] = {
    "system.txt": frozenset(),
    "explain.txt": CARD_FIELDS | {"answer", "right", "wrong", "missing"},
    "ask.txt": frozenset({"question", "cards"}),
    "hint.txt": CARD_FIELDS | {"number", "avoid", "reply"},
    "prompt.txt": CARD_FIELDS | {"number", "template"},
    "assertion.txt": CARD_FIELDS | {"number", "reply"},
}
TURNS = ("hint", "prompt", "assertion")
"""The dialogue steps the LLM may phrase, each with its template `<step>.txt`."""

MAX_TEMPLATE_BYTES = 20_000


def placeholders(template: str, path: Path) -> set[str]:
    """The `{field}` names a template uses; a malformed template is a ConfigError."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ConfigError(
            f"prompt template {path}: {exc} (write a literal brace as {{{{ or }}}})"
        ) from exc
    names: set[str] = set()
    for _, field, spec, conversion in parsed:
        if field is None:
            continue
        if not field.isidentifier() or spec or conversion:
            raise ConfigError(
                f"prompt template {path}: placeholder {{{field}}} is not a plain name "
                "(use e.g. {question}; write a literal brace as {{ or }})"
            )
        names.add(field)
    return names


def load_template(path: Path, expected: frozenset[str]) -> str:
    """Read one template and check its placeholders are exactly `expected`."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"prompt template missing: {path}") from None
    except OSError as exc:
        raise ConfigError(f"prompt template {path} cannot be read: {exc.strerror}") from exc
    if len(raw) > MAX_TEMPLATE_BYTES:
        raise ConfigError(f"prompt template {path} is larger than {MAX_TEMPLATE_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"prompt template {path} is not UTF-8 text") from None
    found = placeholders(text, path)
    missing = sorted(expected - found)
    unknown = sorted(found - expected)
    if missing:
        names = ", ".join("{" + m + "}" for m in missing)
        raise ConfigError(f"prompt template {path} is missing placeholder {names}")
    if unknown:
        names = ", ".join("{" + u + "}" for u in unknown)
        allowed = ", ".join("{" + e + "}" for e in sorted(expected)) or "none"
        raise ConfigError(
            f"prompt template {path} uses unknown placeholder {names} (allowed: {allowed})"
        )
    return text.strip()


@dataclass(frozen=True, slots=True)
class Prompts:
    """The validated prompt templates."""

    system: str
    explain: str
    ask: str
    hint: str
    prompt: str
    assertion: str

    @classmethod
    def load(cls, directory: Path) -> Prompts:
        """Load and validate every template in `directory`; raises ConfigError naming the file."""
        texts = {
            name.removesuffix(".txt"): load_template(directory / name, fields)
            for name, fields in TEMPLATES.items()
        }
        return cls(**texts)

    def render(self, name: str, **fields: str) -> str:
        """Fill template `name` (values are inserted verbatim, never re-parsed)."""
        expected = TEMPLATES[f"{name}.txt"]
        if set(fields) != expected:
            raise ValueError(f"template {name} takes {sorted(expected)}, not {sorted(fields)}")
        template: str = getattr(self, name)
        return template.format(**fields)

    def render_explain(
        self,
        *,
        question: str,
        reference: str,
        background: str,
        answer: str,
        right: str,
        wrong: str,
        missing: str,
    ) -> str:
        """Fill the explain template."""
        return self.render(
            "explain",
            question=question,
            reference=reference,
            background=background,
            answer=answer,
            right=right,
            wrong=wrong,
            missing=missing,
        )

    def render_ask(self, *, question: str, cards: str) -> str:
        """Fill the ask template."""
        return self.render("ask", question=question, cards=cards)
