"""Both builds start, seal and open in Chromium, Firefox and WebKit (Safari's engine).

Every engine and build runs the same steps through the page's DOM
(tests/engines/): boot; seal a photo, a DICOM file and a PDF with a passphrase
and to a public key (each checked with the command line's code); open what was
sealed with the passphrase; open a file sealed by the ``orthoshare`` command,
and (on the site) one it sealed de-identified, whose cover says how; refuse a
wrong passphrase in plain words. The builds are the site on 127.0.0.1, the site
on a plain-http intranet name (no secure context: no WebCrypto, no private file
system) and the single file from file://. Every request is recorded, and none
may leave the page's origin.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pydicom
import pytest
from engines import page
from engines.drivers import Chromium, Engine, Firefox, WebKit
from engines.origin import Origins, serving

from orthoshare import age, pipeline
from orthoshare.records import DeidentifyChoices

from .conftest import LOCAL_SCHEMES, SCREENSHOTS, _serve_module
from .test_page import PASSPHRASE, seal_with_cli

DICOM_FILE = "CT_small.dcm"
ENGINES = ("chromium", "firefox", "webkit")
BUILDS = ("site", "intranet site", "single file")


@pytest.fixture(scope="module")
def origins(dist: Path) -> Iterator[Origins]:
    with serving(dist, _serve_module().Handler) as served:
        yield served


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest, origins: Origins) -> Iterator[Engine]:
    started: Engine
    if request.param == "chromium":
        started = Chromium(request.getfixturevalue("browser"))
    elif request.param == "firefox":
        started = Firefox(origins)
    else:
        started = WebKit(origins)
    try:
        yield started
    finally:
        started.close()


def sent(records: dict[str, bytes]) -> dict[str, bytes]:
    """A photo, a DICOM file pydicom ships (a CT) and a PDF."""
    shipped = Path(pydicom.__file__).parent / "data" / "test_files" / DICOM_FILE
    return {
        "smile.jpg": records["smile.jpg"],
        DICOM_FILE: shipped.read_bytes(),
        "letter.pdf": records["letter.pdf"],
    }


def assert_sealed_byte_exact(
    sealed: page.Download, identity: age.Identity, files: dict[str, bytes], tmp_path: Path
) -> None:
    assert re.fullmatch(r"orthoshare-\d{8}-[A-Z0-9]{6}\.zip\.age", sealed.name)
    path = tmp_path / sealed.name
    path.write_bytes(sealed.data)
    out = tmp_path / f"{sealed.name}.opened"
    manifest = pipeline.open_(path, [identity], out)
    # The inputs themselves, not the DICOM objects made of them.
    inputs = [entry for entry in manifest.entries if entry.derived_from is None]
    by_name = {entry.original_name: entry for entry in inputs if entry.original_name}
    assert set(by_name) == set(files)
    for name, data in files.items():
        assert (out / by_name[name].path).read_bytes() == data, name
    assert by_name[DICOM_FILE].kind == "dicom"


def assert_stayed_on(origin: str, requests: list[str]) -> None:
    # Firefox and WebKit are seen only through the tests' server, which a single file
    # opened from file:// has no reason to reach at all.
    if origin != "file://":
        assert requests, "no request recorded"
    if origin == "file://":
        left = [url for url in requests if urlsplit(url).scheme not in LOCAL_SCHEMES]
    else:
        left = [
            url
            for url in requests
            if urlsplit(url).scheme not in ("blob", "data")
            and f"{urlsplit(url).scheme}://{urlsplit(url).netloc}" != origin
        ]
    assert left == [], "requests left the page's origin"


@pytest.mark.parametrize("build", BUILDS)
def test_both_builds_seal_and_open_in_every_engine(
    engine: Engine,
    build: str,
    origins: Origins,
    single_file: Path,
    tmp_path: Path,
    records: dict[str, bytes],
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = {
        "site": origins.local,
        "intranet site": origins.intranet,
        "single file": single_file.as_uri(),
    }[build]
    seconds = page.boot(engine, url)
    with capsys.disabled():
        print(f"\n{engine.name}, {build}: ready in {seconds:.1f} s")
    shown = page.look(engine)
    if build == "intranet site":
        # What an intranet page over plain http lacks, in every engine.
        assert (shown["secure"], shown["subtle"]) == (False, False)

    files = sent(records)
    page.add_files(engine, files)
    page.type_into(engine, "#passphrase", PASSPHRASE)
    page.type_into(engine, "#passphrase-again", PASSPHRASE)
    by_passphrase = page.seal(engine)
    assert_sealed_byte_exact(by_passphrase, age.ScryptIdentity(PASSPHRASE), files, tmp_path)

    identity = age.X25519Identity.generate()
    page.click(engine, "#protect-keys")
    page.type_into(engine, "#recipient-keys", str(identity.recipient))
    page.wait_for(engine, "the key to be checked", lambda seen: "1 valid key" in seen["keysStatus"])
    assert_sealed_byte_exact(page.seal(engine), identity, files, tmp_path)

    opened = page.open_sealed(engine, by_passphrase, passphrase=PASSPHRASE)
    assert opened["state"] == "done", opened["openMessage"]
    assert opened["cover"]
    assert {f"ORIGINAL/{name}" for name in ("smile.jpg", "letter.pdf")} <= set(
        opened["openedFiles"]
    )
    assert any(path.startswith("DICOM/") for path in opened["openedFiles"])
    if engine.name != "chromium":
        # WebKit's screenshot is of the window: the opened records are brought into it.
        engine.run("() => document.getElementById('cover').scrollIntoView()")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        engine.screenshot(
            SCREENSHOTS / f"engine-{engine.name}-{build.replace(' ', '-')}-opened.png"
        )

    by_cli = seal_with_cli(tmp_path, records, identity.recipient)
    cli_sealed = page.Download(by_cli.name, by_cli.read_bytes())
    opened = page.open_sealed(engine, cli_sealed, identity=age.format_identity_file(identity))
    assert opened["state"] == "done", opened["openMessage"]
    assert opened["coverTitle"] == "Records of Ana Pérez"
    assert {f"ORIGINAL/{name}" for name in records} <= set(opened["openedFiles"])

    if build == "site":
        # The receiver is told, as text, how records sent de-identified were cleaned.
        deidentified = seal_with_cli(
            tmp_path, records, identity.recipient, DeidentifyChoices(pseudonym="Case 12")
        )
        opened = page.open_sealed(
            engine,
            page.Download(deidentified.name, deidentified.read_bytes()),
            identity=age.format_identity_file(identity),
        )
        assert opened["state"] == "done", opened["openMessage"]
        assert opened["coverTitle"] == "Records of Case 12"
        told = opened["deidentified"]
        assert "De-identified: the patient is called Case 12." in told, told
        assert "Basic Application Level Confidentiality Profile" in told, told
        # The photo and the binary are not valid files of a format that can be
        # cleaned; the PDF cannot be cleaned at all.
        assert "cannot be removed with certainty: 3" in told, told

    refused = page.open_sealed(engine, by_passphrase, passphrase="not the passphrase")
    assert refused["state"] == "error"
    assert refused["openMessage"].startswith("Wrong passphrase.")

    origin = "file://" if build == "single file" else url.rstrip("/")
    assert_stayed_on(origin, engine.requests())
