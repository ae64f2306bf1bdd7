"""Grading evaluation: adversarial answer families, tuning decks and the seed-deck figures."""
