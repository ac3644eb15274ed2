"""Cases against the ASCII armor: text around it, lines of the wrong length, no end line."""

from __future__ import annotations

import io

from orthoshare import age
from orthoshare.age.armor import ArmorWriter

from .material import CCTV, SPEC, Build, Case, Material, random_bytes, seal_plaintext


def _armored(m: Material) -> bytes:
    return seal_plaintext(m.plain, armor=True)


def _armor_lines(m: Material) -> list[bytes]:
    return _armored(m).split(b"\n")


def _armor_rewrapped(columns: int) -> Build:
    def build(m: Material) -> bytes:
        begin, *body, end, _ = _armor_lines(m)
        text = b"".join(body)
        lines = [text[i : i + columns] for i in range(0, len(text), columns)]
        return b"\n".join([begin, *lines, end, b""])

    return build


def _armor_short_line(m: Material) -> bytes:
    begin, first, *rest = _armor_lines(m)
    return b"\n".join([begin, first[:32], first[32:], *rest])


def _armor_without_end(m: Material) -> bytes:
    *lines, _, _ = _armor_lines(m)
    return b"\n".join(lines) + b"\n"


def _armor_of_garbage(m: Material) -> bytes:
    out = io.BytesIO()
    writer = ArmorWriter(out)
    writer.write(random_bytes(5000))
    writer.close()
    return out.getvalue()


def table() -> list[Case]:
    return [
        Case("armor-junk-before", "armored text after a line of e-mail text", CCTV,
             lambda mm: b"Forwarded message:\n" + _armored(mm), age.ArmorError),
        Case("armor-junk-after", "armored text followed by an e-mail signature", CCTV,
             lambda mm: _armored(mm) + b"-- \nSent from my phone\n", age.ArmorError),
        Case("armor-lines-76", "armored text re-wrapped at 76 columns, as mail clients do",
             CCTV, _armor_rewrapped(76), age.ArmorError),
        Case("armor-short-line", "a 32-column line inside the armor", CCTV, _armor_short_line,
             age.ArmorError),
        Case("armor-no-end", "armored text without its END line", CCTV, _armor_without_end,
             age.ArmorError),
        Case("armor-of-garbage", "well-formed armor around random bytes", SPEC,
             _armor_of_garbage, age.HeaderError),
    ]  # fmt: skip
