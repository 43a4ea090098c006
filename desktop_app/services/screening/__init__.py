"""Screening subjects against the lists: the single check, and the checks built on it."""
