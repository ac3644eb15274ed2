"""Fuzz target: the ASCII armor decoder, ``orthoshare.age.armor.ArmorReader``.

Expected: :class:`~orthoshare.age.ArmorError`. Armor is strict, so text that
decodes must be what ``ArmorWriter`` writes for the decoded bytes, up to the
whitespace allowed around the armor and CRLF line endings.
"""

from __future__ import annotations

import io

from fuzz.harness import fuzz, instrumented

with instrumented():
    from orthoshare.age.armor import ArmorReader, ArmorWriter
    from orthoshare.age.errors import ArmorError

_WHITESPACE = b" \t\r\n\v\f"


def armored(data: bytes) -> bytes:
    text = io.BytesIO()
    writer = ArmorWriter(text)
    writer.write(data)
    writer.close()
    return text.getvalue()


def TestOneInput(data: bytes) -> None:  # noqa: N802 (the name libFuzzer's convention gives it)
    # Wrapped as age.decrypt wraps it: buffered, read through a buffer.
    reader = io.BufferedReader(ArmorReader(io.BufferedReader(io.BytesIO(data))))
    try:
        decoded = reader.read()
    except ArmorError:
        return
    canonical = data.strip(_WHITESPACE).replace(b"\r\n", b"\n") + b"\n"
    assert armored(decoded) == canonical, "accepted armor that is not canonical"


if __name__ == "__main__":
    fuzz(TestOneInput)
