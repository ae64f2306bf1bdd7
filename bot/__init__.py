"""flashtutor: a self-hosted Discord tutor built on flashcards, spaced repetition and a local LLM."""

__version__ = "0.1.0"
