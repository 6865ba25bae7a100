"""Benchmarks, run as scripts (`python bench/<name>.py`); a package so they share helpers."""
