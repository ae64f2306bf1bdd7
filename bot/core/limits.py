"""Size limits shared across the code, each defined once with the reason for its value."""

from __future__ import annotations

MAX_ANSWER_CHARS = 4000
"""Longest answer graded; Discord's modal allows exactly this much."""
MAX_QUESTION_CHARS = 500
"""Longest question `ask` accepts."""
MAX_MESSAGE_CHARS = 2000
"""Longest chat message read (Discord's own message limit); longer ones are cut, with a notice."""
MAX_EXPLAINED_ANSWER_CHARS = 1000
"""The explainer quotes at most this much of an answer to the LLM, so no more is kept for it."""
MAX_CARD_QUESTION_CHARS = 1000
"""Longest question a deck card may have."""
MAX_CARD_ANSWER_CHARS = 8000
"""Longest answer a deck card may have."""
MAX_CARD_TITLE_CHARS = 300
"""Longest card title."""
MAX_PACKAGE_BYTES = 100 * 1024 * 1024
"""Largest Anki package (.apkg/.colpkg) read from disk: packages carry their images."""
MAX_COLLECTION_BYTES = 512 * 1024 * 1024
"""Largest collection database unpacked from a package (a zip or zstd bomb stops here)."""
MAX_IMAGE_BYTES = 8 * 1024 * 1024
"""Largest image kept from a package: Discord takes attachments up to 10 MB."""
MAX_UPLOAD_BYTES = 1024 * 1024
"""Largest deck file uploaded through Discord (/deck upload)."""
MAX_PACKAGE_UPLOAD_BYTES = 8 * 1024 * 1024
"""Largest Anki package uploaded through Discord: its images make it bigger than a text deck."""
