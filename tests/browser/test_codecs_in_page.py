"""The built codecs.js in Chromium, under the site's Content-Security-Policy.

Baseline JPEG is decoded by the browser itself, so only a browser can test it: its
samples are compared with those dcmtk's dcmdjpeg writes, within a few levels (two
JPEG decoders may round their inverse transforms differently), for YCbCr, 4:2:2, RGB
with an Adobe marker, and RGB with none (which a browser would take for YCbCr). The
WebAssembly codecs are run here too, to show that the policy lets them start from the
bytes they carry and that they fetch nothing. Frames are cut out of the files pydicom
ships.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
import pytest
from playwright.sync_api import Page
from pydicom.encaps import generate_frames

SHIPPED = Path(pydicom.__file__).parent / "data" / "test_files"

#: Two JPEG decoders of the same stream may differ by a level or two per sample.
TOLERANCE = 3

#: Decodes each frame with the built codecs.js in the page; returns samples or errors,
#: and the policy violations seen meanwhile.
DECODE = """async (frames) => {
  const violations = [];
  document.addEventListener("securitypolicyviolation", (e) => violations.push(e.violatedDirective));
  const codecs = await import("/web/codecs.js");
  const results = [];
  for (const { uid, bytes, info } of frames) {
    try {
      const { pixels, photometric } = await codecs.decodeFrame(uid, Uint8Array.from(bytes), info);
      results.push({ pixels: Array.from(pixels), photometric, kind: pixels.constructor.name });
    } catch (error) {
      results.push({ error: error.message, unsupported: error.unsupported === true });
    }
  }
  return { results, violations };
}"""


def frame_of(name: str) -> dict[str, Any]:
    """Frame 0 of a shipped file, with the Image Pixel attributes decodeFrame takes."""
    ds = pydicom.dcmread(SHIPPED / name)
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    frame = next(generate_frames(ds.PixelData, number_of_frames=frames))
    return {
        "uid": str(ds.file_meta.TransferSyntaxUID),
        "bytes": list(frame),
        "info": {
            "rows": ds.Rows,
            "columns": ds.Columns,
            "samplesPerPixel": ds.SamplesPerPixel,
            "bitsAllocated": ds.BitsAllocated,
            "bitsStored": ds.BitsStored,
            "pixelRepresentation": ds.PixelRepresentation,
            "photometric": ds.PhotometricInterpretation,
            "planarConfiguration": int(ds.get("PlanarConfiguration", 0)),
        },
    }


def samples(path: Path) -> np.ndarray:
    """Frame 0 of an uncompressed file, pixel by pixel, as pydicom reads it."""
    ds = pydicom.dcmread(path)
    array = ds.pixel_array
    return (array[0] if int(ds.get("NumberOfFrames", 1) or 1) > 1 else array).ravel()


def decode_in_page(page: Page, site: str, frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Decode ``frames`` in a document of the site, which carries the site's policy;
    fail on a policy violation or on any request but the document and codecs.js (the
    codecs carry their WebAssembly, so they fetch nothing, not even from the site)."""
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(site + "build-info.json")
    answer = page.evaluate(DECODE, frames)
    assert answer["violations"] == []
    assert set(requests) <= {site + "build-info.json", site + "web/codecs.js"}, requests
    return list(answer["results"])


@pytest.mark.parametrize(
    "name",
    [
        "SC_rgb_jpeg_dcmtk.dcm",
        "SC_rgb_dcmtk_+eb+cy+np.dcm",
        "SC_rgb_dcmtk_+eb+cr.dcm",
        "SC_rgb_small_odd_jpeg.dcm",
        "examples_ybr_color.dcm",
        "SC_rgb_jpeg_app14_dcmd.dcm",
        "SC_rgb_jpeg_lossy_gdcm.dcm",
        "SC_jpeg_no_color_transform.dcm",
        "SC_jpeg_no_color_transform_2.dcm",
    ],
)
def test_the_browser_decodes_baseline_jpeg_as_dcmdjpeg_does(
    page: Page, site: str, name: str, tmp_path: Path
) -> None:
    native = tmp_path / "native.dcm"
    subprocess.run(["dcmdjpeg", str(SHIPPED / name), str(native)], check=True)
    assert pydicom.dcmread(native).PhotometricInterpretation == "RGB"
    expected = samples(native).astype(np.int16)
    [result] = decode_in_page(page, site, [frame_of(name)])
    assert result.get("error") is None, result
    assert result["photometric"] == "RGB"
    assert result["kind"] == "Uint8Array"
    got = np.array(result["pixels"], dtype=np.int16)
    assert got.shape == expected.shape
    assert int(np.abs(got - expected).max()) <= TOLERANCE


def test_the_webassembly_codecs_run_under_the_policy_and_match_the_uncompressed_mr(
    page: Page, site: str
) -> None:
    expected = samples(SHIPPED / "MR_small.dcm")
    names = ["MR_small_jpeg_ls_lossless.dcm", "MR_small_jp2klossless.dcm", "MR_small_RLE.dcm"]
    results = decode_in_page(page, site, [frame_of(n) for n in names])
    for name, result in zip(names, results, strict=True):
        assert result.get("error") is None, (name, result)
        assert result["kind"] == "Int16Array", name
        assert np.array_equal(np.array(result["pixels"], dtype=np.int16), expected), name


def test_a_baseline_jpeg_cut_short_is_reported_as_damaged_not_shown_half_grey(
    page: Page, site: str
) -> None:
    whole = frame_of("examples_ybr_color.dcm")
    cut = {**whole, "bytes": whole["bytes"][: len(whole["bytes"]) // 2]}
    [result] = decode_in_page(page, site, [cut])
    assert result.get("pixels") is None
    assert result["unsupported"] is False
    assert result["error"].startswith("This image") and result["error"].endswith(".")
