"""Fuzz target: the age v1 header parser, ``orthoshare.age.format.parse_header``.

Expected: :class:`~orthoshare.age.HeaderError`. A header that parses must
marshal back to exactly the bytes it was read from, since the header MAC is
computed over the re-marshalled form (age spec, and the module's promise).
"""

from __future__ import annotations

import io

from fuzz.harness import fuzz, instrumented

with instrumented():
    from orthoshare.age.errors import HeaderError
    from orthoshare.age.format import marshal_header, parse_header


def TestOneInput(data: bytes) -> None:  # noqa: N802 (the name libFuzzer's convention gives it)
    src = io.BytesIO(data)
    try:
        header = parse_header(src)
    except HeaderError:
        return
    assert marshal_header(header) == data[: src.tell()], "parsed header does not re-marshal"


if __name__ == "__main__":
    fuzz(TestOneInput)
