"""How the API answers the page: expected failures as a result, progress throttled.

Expected failures (a wrong passphrase, a damaged file, an unreadable input, a
malformed request) are never raised to the worker: :func:`answers_errors` makes
them the result ``{"error": {"kind", "message", "hint"}}``, with the error's
class name, its one-line message and what a person can do about it
(:func:`orthoshare.errors.hint_for`). Anything else raised is a bug, and
reaches the worker as an exception.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any, ParamSpec

from pyodide.ffi import jsnull

from .. import age, pipeline
from ..errors import OrthoshareError, hint_for
from ..request import RequestError

Result = dict[str, Any]
P = ParamSpec("P")

_EXPECTED = (age.AgeError, OrthoshareError, RequestError)
# Progress goes to the page by postMessage; a few updates a second are enough.
_PROGRESS_INTERVAL = 0.1


def error_result(error: BaseException) -> Result:
    """``error`` as the page shows it: ``{"error": {"kind", "message", "hint"}}``."""
    return {"error": {"kind": type(error).__name__, "message": str(error), "hint": hint_for(error)}}


def answers_errors(endpoint: Callable[P, Result]) -> Callable[P, Result]:
    """Make ``endpoint`` return an expected failure as its :func:`error_result`."""

    @functools.wraps(endpoint)
    def answered(*args: P.args, **kwargs: P.kwargs) -> Result:
        try:
            return endpoint(*args, **kwargs)
        except _EXPECTED as e:
            return error_result(e)

    return answered


def given(value: Any) -> bool:
    """Whether a JS argument was given (neither ``undefined`` nor ``null``)."""
    return value is not None and value is not jsnull


class _Throttled:
    """``progress``, called at most every :data:`_PROGRESS_INTERVAL` s but always at a
    step's start and end."""

    def __init__(self, progress: Any) -> None:
        self._progress = progress
        self._step = ""
        self._last = 0.0

    def __call__(self, step: str, done: int, total: int) -> None:
        now = time.monotonic()
        if step != self._step or done >= total or now - self._last >= _PROGRESS_INTERVAL:
            self._step, self._last = step, now
            self._progress(step, done, total)


def progress_of(progress: Any) -> pipeline.Progress | None:
    """The pipeline's progress for a JS ``progress(step, done, total)``, if one was given."""
    return _Throttled(progress) if given(progress) else None
