"""build.py's tests, run as a person runs it: the site it makes, its reproducibility, its
pins. A package, so that mypy does not take its conftest.py for tests/conftest.py."""
