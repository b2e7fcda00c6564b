"""Reports: the verdicts of a run as data (JSON per the design's contract) and as table, Markdown or LaTeX.

Imports nothing of symbp but symbp.version: a report is data, rendered.
"""
