"""The cover sheet, ``INDEX.HTM``: the manifest as a page a person can read.

It opens in any browser after ``age -d`` and unzip, with no script and no
request anywhere (its Content-Security-Policy forbids both); every value is
HTML-escaped, since names and notes come from the sender.
"""

from __future__ import annotations

import html
from urllib.parse import quote

from .manifest import README_NAME, Deidentification, Entry, Manifest

_STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:60em;padding:0 1em;color:#111}
h1{font-size:1.5em}dl{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em}
dt{font-weight:600}table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #ccc;padding:.3em;text-align:left;vertical-align:top}
code{font-size:.8em;word-break:break-all}.note{white-space:pre-wrap}
"""


def _size(size: int) -> str:
    if size < 1000:
        return f"{size} bytes"
    value, unit = size / 1000, "KB"
    for bigger in ("MB", "GB"):
        if value < 1000:
            break
        value, unit = value / 1000, bigger
    return f"{value:.1f} {unit}"


def _study(entry: Entry) -> str:
    """A DICOM object's study, as imaging software would list it."""
    if entry.dicom is None:
        return ""
    facts = entry.dicom.study_summary
    return f"<br>{html.escape(facts)}" if facts else ""


def _note(entry: Entry) -> str:
    """Why a file has no DICOM object, or is not in the DICOMDIR."""
    return (
        f'<br><span class="note">{html.escape(entry.dicom_note)}</span>' if entry.dicom_note else ""
    )


def _deidentified(manifest: Manifest) -> str:
    done = manifest.deidentification
    if done is None:
        return "yes" if manifest.deidentified else "no"
    return f"yes, the patient is called {done.pseudonym}: see below"


def _deidentification_section(done: Deidentification) -> str:
    """What was done to remove the patient's identity, and what was sent anyway."""
    e = html.escape

    def listing(items: list[str]) -> str:
        return "<ul>" + "".join(f"<li>{e(item)}</li>" for item in items) + "</ul>"

    options = ", ".join(done.options) or "none"
    parts = [
        "<h2>De-identification</h2>",
        f"<p>These records were de-identified before they were sealed: {e(done.method)}, "
        f"with the options: {e(options)}. Every file has a neutral name.</p>",
    ]
    if done.altered:
        parts.append(f"<h3>Files changed to remove identity ({len(done.altered)})</h3>")
        parts.append(listing([f"{a.name}: {a.how}" for a in done.altered]))
    if done.sent_anyway:
        parts.append("<h3>Sent knowingly, although they may show identity</h3>")
        parts.append(listing([f"{a.name}: {a.how}" for a in done.sent_anyway]))
    if done.left_out:
        parts.append("<h3>Left out</h3>")
        parts.append(listing(list(done.left_out)))
    return "\n".join(parts)


def render_cover(manifest: Manifest) -> bytes:
    """Return the cover sheet of ``manifest`` as UTF-8 HTML."""
    e = html.escape
    patient, sender = manifest.patient, manifest.sender
    made_up = manifest.made_up_patient_id
    facts = [
        ("Patient", patient.name),
        (
            "Patient ID",
            patient.id
            or (
                made_up
                and f"none given; the DICOM objects made here carry the made-up ID {made_up}"
            ),
        ),
        ("Birth date", patient.birth_date),
        ("Sex", patient.sex),
        ("From", ", ".join(v for v in (sender.name, sender.organization) if v)),
        ("Contact", sender.contact),
        ("To", manifest.recipient.name),
        ("Sealed", manifest.created.replace("T", " ").replace("Z", " UTC")),
        ("De-identified", _deidentified(manifest)),
    ]
    patients = sorted(
        {
            (e.dicom.patient_name, e.dicom.patient_id)
            for e in manifest.entries
            if e.dicom is not None
        }
    )
    rows = []
    for entry in manifest.entries:
        link = quote(entry.path)
        rows.append(
            f'<tr><td><a href="{e(link)}">{e(entry.path)}</a><br>{e(entry.original_name)}</td>'
            f"<td>{e(entry.kind)}<br>{e(entry.media_type)}</td>"
            f"<td>{e(entry.label or '')}<br>{e(entry.view or '')}{_study(entry)}"
            f"{_note(entry)}</td>"
            f"<td>{e(_size(entry.size))}</td><td><code>{e(entry.sha256)}</code></td></tr>"
        )
    sections = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'; img-src 'self'\">",
        f"<title>Records of {e(patient.name or 'a patient')}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>Records of {e(patient.name or 'a patient')}</h1>",
        "<dl>" + "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in facts if v) + "</dl>",
    ]
    if patients:
        names = "".join(
            f"<li>{e(name or '(no name)')} — ID {e(pid or '(none)')}</li>" for name, pid in patients
        )
        sections.append(f"<h2>Patients named in the DICOM files</h2><ul>{names}</ul>")
    if manifest.deidentification is not None:
        sections.append(_deidentification_section(manifest.deidentification))
    if manifest.note:
        sections.append(f'<h2>Note</h2><p class="note">{e(manifest.note)}</p>')
    if manifest.consent:
        sections.append(f'<h2>Consent</h2><p class="note">{e(manifest.consent)}</p>')
    sections += [
        f"<h2>Files ({len(manifest.entries)})</h2>",
        "<table><thead><tr><th>File</th><th>Kind</th><th>Label / view / study</th><th>Size</th>"
        "<th>SHA-256</th></tr></thead><tbody>",
        *rows,
        "</tbody></table>",
        f"<p>Made by {e(manifest.generator)}. The full details are in ORTHOSHARE.json; "
        f'what each folder holds is in <a href="{README_NAME}">{README_NAME}</a>.</p>',
        "</body></html>",
    ]
    return ("\n".join(sections) + "\n").encode("utf-8")
