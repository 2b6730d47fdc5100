"""Saved discussions: find, review, reprint and amend."""
