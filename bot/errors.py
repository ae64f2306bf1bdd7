"""The one error hierarchy. Front ends turn these into a single clear line for a person."""

from __future__ import annotations


class FlashtutorError(Exception):
    """Base of every error we raise on purpose; its message is safe to show a person."""


class ConfigError(FlashtutorError):
    """A setting, prompt template or model file is missing or invalid."""


class DeckError(FlashtutorError):
    """A deck file cannot be read at all (too large, binary, wrong encoding, unknown type)."""


class CardNotFound(FlashtutorError):
    """No card has the requested id (or it is not visible from here)."""


class InputError(FlashtutorError):
    """A person's input cannot be used (empty, too long, malformed)."""


class ModelUnavailable(FlashtutorError):
    """A model cannot be loaded or has failed; callers fall back to non-LLM text."""


class Busy(FlashtutorError):
    """The LLM request queue is full; the caller should try again shortly."""
