"""Benchmarks of the spreadsheet engine: ``python -m bench`` (``make bench``)."""
