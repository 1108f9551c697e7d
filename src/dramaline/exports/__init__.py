"""Screenplay exchange: a series to Fountain and back (fountain.py), and to a Markdown script book.

These sit beside the pipeline: they read and write finished episodes, they never call a writer.
"""
