"""Coverage-guided fuzz targets (atheris) for the parsers that read untrusted bytes.

Run them with ``fuzz/run.py``; see ``fuzz/README.md``.
"""
