"""Offline evaluation of flashtutor's parts against public, human-labelled data."""
