"""Extraction: ask for each prepared article's meetings, online or through a Batch API, and ground them.

The modules are imported by name (`summarizer.extract.online`, `.batch`, `.article`, `.design`, `.rows`), not
from here: a re-run of stored articles loads `design` and `rows` only, never the rules in `article`.
"""
