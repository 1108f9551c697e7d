"""Localization: editions of a series in other languages and markets, from the same visual production.

`edition.py` makes an edition (translated series, glossary, options) inside the series folder,
`translate.py` translates it line by line through a `Translator` (`apertium.py`, offline, or
`llm_translator.py`, any OpenAI-compatible chat server) with a content-addressed cache,
`voices.py` gives the cast target-language voices, `retime.py` fits the translated speech into
the original timing, `production.py` builds the edition's episodes (or subtitle sidecars),
`checks.py` and `report.py` check every localised episode.
"""
