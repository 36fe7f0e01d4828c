"""Command line: thin click groups over the Python API."""
