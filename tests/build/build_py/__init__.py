"""The tests of build.py, which run it as a person does: the site it makes, its
reproducibility, its pins. A package, so that mypy does not take its conftest.py for
tests/conftest.py; tests/build/ cannot be one, as build.py already has that name."""
