"""The core ring: cards, decks, grading and the Tutor service. Never imports discord or I/O frameworks."""
