"""Quire: ask your own notes, PDFs and slide decks, offline, with citations to the page."""

__version__ = "0.1.0"
