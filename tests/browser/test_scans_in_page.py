"""Intraoral scans in 3-D in Chromium: the scan viewer the build ships (web/scans.js and
its bundled three.js, web/scan3d.js) shows an upper and a lower arch together, rotates,
frames them again, hides one, says which scan is damaged while the others show, loads
an MTL's texture from the records alone, and says plainly when there is no WebGL.

The Open view shows the scans group of the records every viewer test opens
(records_to_view.py), on the site and in the single file. The other tests make their
own scans: two arches in one coordinate system (one binary STL, one ASCII), a textured
OBJ with its MTL and picture, and an STL whose header declares more triangles than the
file holds. They are served beside a small page that mounts the viewer under the
site's Content-Security-Policy, as the Open view does with the files of opened records.
"""

from __future__ import annotations

import math
import shutil
import struct
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page

from .conftest import (
    LOCAL_SCHEMES,
    SCREENSHOTS,
    WORK_TIMEOUT_MS,
    _serve_module,
    open_page,
    open_with_identity,
)
from .records_to_view import RecordsToView

Vertex = tuple[float, float, float]
Triangle = tuple[Vertex, Vertex, Vertex]

#: The sentence a damaged STL gets: what is wrong, and that it can still be saved.
DAMAGED = "broken.stl is damaged: it declares more triangles than it holds; it can still be saved."
NO_WEBGL = "This browser cannot show 3-D here; save the scan to open it in your scanning software."
#: The viewer's background (web/scan3d.js), and how far a pixel must be from it to count.
BACKGROUND = (243, 244, 246)
NEAR = 24
#: What mounts the viewer: the files named in the address's fragment, fetched from scans/.
MOUNT_JS = """\
import { mountScanViewer } from "./web/scans.js";
const names = decodeURIComponent(location.hash.slice(1)).split(",").filter(Boolean);
const items = await Promise.all(names.map(async (name) => {
  const blob = await (await fetch(`scans/${name}`)).blob();
  return { name, path: `SCANS/${name}`, blob, mediaType: "" };
}));
window.scanViewer = mountScanViewer(document.querySelector("#viewer"), items, { title: "Scans" });
"""
INDEX_HTML = """\
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>scans</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="web/style.css"><link rel="stylesheet" href="web/scans.css">
<script type="module" src="mount.js"></script></head>
<body><main><div id="viewer"></div></main></body></html>
"""
#: Keeps every object URL made and revoked.
WATCH_OBJECT_URLS = """{
  const made = [];
  const revoked = new Set();
  const create = URL.createObjectURL;
  const revoke = URL.revokeObjectURL;
  URL.createObjectURL = (object) => { const url = create(object); made.push(url); return url; };
  URL.revokeObjectURL = (url) => { revoked.add(url); revoke(url); };
  window.objectUrls = () => ({ made, revoked: [...revoked] });
}"""
#: The canvas's picture, 96 pixels wide, as RGB triples.
PICTURE_JS = """() => {
  const canvas = document.querySelector(".scan-canvas");
  const small = document.createElement("canvas");
  small.width = 96;
  small.height = Math.max(1, Math.round(96 * canvas.height / canvas.width));
  const context = small.getContext("2d");
  context.drawImage(canvas, 0, 0, small.width, small.height);
  const data = context.getImageData(0, 0, small.width, small.height).data;
  const pixels = [];
  for (let at = 0; at < data.length; at += 4) pixels.push([data[at], data[at + 1], data[at + 2]]);
  return pixels;
}"""

Picture = list[list[int]]


def arch(height: float) -> list[Triangle]:
    """A dental arch as a horseshoe tube around the z axis, opening towards -y, one
    bump per tooth, centred at z = ``height``."""
    along, around = 96, 20

    def point(i: int, j: int) -> Vertex:
        s = -1.35 + 2.7 * i / along
        v = 2 * math.pi * j / around
        cusp = 1.2 * math.cos(7 * s) ** 2
        width, tall = 3.5 + 0.4 * cusp, 4.5 + cusp
        x = 22 * math.sin(s) + width * math.cos(v) * math.sin(s)
        y = 18 * math.cos(s) + width * math.cos(v) * math.cos(s)
        return (x, y, height + tall * math.sin(v))

    triangles: list[Triangle] = []
    for i in range(along):
        for j in range(around):
            a, b, c, d = point(i, j), point(i + 1, j), point(i + 1, j + 1), point(i, j + 1)
            triangles += [(a, b, c), (a, c, d)]
    return triangles


def binary_stl(triangles: list[Triangle], declared: int | None = None) -> bytes:
    """A binary STL of ``triangles``; ``declared`` is the count its header gives."""
    count = len(triangles) if declared is None else declared
    body = b"".join(
        struct.pack("<12fH", 0, 0, 0, *(c for vertex in triangle for c in vertex), 0)
        for triangle in triangles
    )
    return b"test arch".ljust(80, b" ") + struct.pack("<I", count) + body


def ascii_stl(triangles: list[Triangle], name: str) -> bytes:
    """An ASCII STL of ``triangles``."""
    facets = "".join(
        "facet normal 0 0 0\n outer loop\n"
        + "".join(f"  vertex {x:.5f} {y:.5f} {z:.5f}\n" for x, y, z in triangle)
        + " endloop\nendfacet\n"
        for triangle in triangles
    )
    return f"solid {name}\n{facets}endsolid {name}\n".encode()


def binary_ply(triangles: list[Triangle], colour: tuple[int, int, int] | None) -> bytes:
    """A binary PLY of ``triangles``, its vertices in ``colour``; with no colour, the
    vertices alone (a point cloud, as some scanners also export)."""
    header = ["ply", "format binary_little_endian 1.0", f"element vertex {3 * len(triangles)}"]
    header += ["property float x", "property float y", "property float z"]
    if colour:
        header += ["property uchar red", "property uchar green", "property uchar blue"]
        header += [f"element face {len(triangles)}", "property list uchar int vertex_indices"]
    vertex = struct.Struct("<3f3B" if colour else "<3f")
    body = b"".join(
        vertex.pack(*point, *(colour or ())) for triangle in triangles for point in triangle
    )
    if colour:
        body += b"".join(
            struct.pack("<B3i", 3, 3 * i, 3 * i + 1, 3 * i + 2) for i in range(len(triangles))
        )
    return ("\n".join([*header, "end_header"]) + "\n").encode() + body


def png(width: int, height: int, colour_at: Callable[[int, int], tuple[int, int, int]]) -> bytes:
    """An 8-bit RGB PNG whose pixel (x, y) is ``colour_at(x, y)``."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(
        b"\x00" + b"".join(bytes(colour_at(x, y)) for x in range(width)) for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + (chunk(b"IEND", b""))
    )


def textured_block() -> dict[str, bytes]:
    """An OBJ block beside the arches, its MTL (whose picture is named by a Windows path,
    as exporters write it, and whose bump map is not in the records) and that picture:
    a saturated red and green checkerboard."""
    corners = [(x, y, z) for x in (34, 46) for y in (-4, 8) for z in (-6, 6)]
    faces = [(1, 2, 4, 3), (5, 7, 8, 6), (1, 5, 6, 2), (3, 4, 8, 7), (1, 3, 7, 5), (2, 6, 8, 4)]
    lines = ["mtllib block.mtl", "o block", *(f"v {x} {y} {z}" for x, y, z in corners)]
    lines += ["vt 0 0", "vt 1 0", "vt 1 1", "vt 0 1", "usemtl checker"]
    lines += [f"f {a}/1 {b}/2 {c}/3 {d}/4" for a, b, c, d in faces]

    def checker(x: int, y: int) -> tuple[int, int, int]:
        return (220, 20, 20) if (x // 4 + y // 4) % 2 else (20, 200, 20)

    return {
        "block.obj": ("\n".join(lines) + "\n").encode(),
        "block.mtl": b"newmtl checker\nKd 1 1 1\nmap_Kd textures\\checker.png\nmap_bump gone.png\n",
        "checker.png": png(16, 16, checker),
    }


@pytest.fixture(scope="module")
def scans_site(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The built viewer and the page's styles beside the mounting page and the scans,
    served as the site is (its policy sent as a header)."""
    root = tmp_path_factory.mktemp("scans-site")
    (root / "web").mkdir()
    for name in ("scans.js", "scan3d.js", "scans.css", "style.css"):
        shutil.copyfile(dist / "web" / name, root / "web" / name)
    (root / "index.html").write_text(INDEX_HTML)
    (root / "mount.js").write_text(MOUNT_JS)
    scans = root / "scans"
    scans.mkdir()
    files = {
        "upper.stl": binary_stl(arch(7.0)),
        "lower.stl": ascii_stl(arch(-7.0), "lower"),
        "broken.stl": binary_stl(arch(0.0)[:10], declared=1_000_000),
        "colour.ply": binary_ply(arch(0.0), (200, 30, 30)),
        "points.ply": binary_ply(arch(0.0), None),
        "print.3mf": b"PK\x03\x04 a 3-D printing package",
        **textured_block(),
    }
    for name, data in files.items():
        (scans / name).write_bytes(data)
    with _serve_module().in_background(root) as url:
        yield url


def mount(page: Page, url: str, *names: str) -> str:
    """Mount the viewer on ``names``; return the data-preview it settles on."""
    page.goto(f"{url}#{','.join(names)}")
    page.wait_for_selector("#viewer[data-preview]", state="attached", timeout=30_000)
    assert page.get_attribute("#viewer", "data-preview-kind") == "scan"
    return str(page.get_attribute("#viewer", "data-preview"))


def picture(page: Page) -> Picture:
    pixels: Picture = page.evaluate(PICTURE_JS)
    return pixels


def drawn_fraction(pixels: Picture) -> float:
    """The fraction of pixels that are not the background."""
    drawn = [
        p for p in pixels if max(abs(c - b) for c, b in zip(p, BACKGROUND, strict=True)) > NEAR
    ]
    return len(drawn) / len(pixels)


def difference(one: Picture, other: Picture) -> float:
    """The fraction of pixels that differ clearly between two pictures of one size."""
    assert len(one) == len(other)
    changed = sum(
        1
        for a, b in zip(one, other, strict=True)
        if max(abs(x - y) for x, y in zip(a, b, strict=True)) > NEAR
    )
    return changed / len(one)


def drag(page: Page, dx: float, dy: float, button: str = "left") -> None:
    box = page.locator(".scan-canvas").bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down(button=button)  # type: ignore[arg-type]
    page.mouse.move(x + dx / 2, y + dy / 2)
    page.mouse.move(x + dx, y + dy)
    page.mouse.up(button=button)  # type: ignore[arg-type]


ARCHES = ("upper.stl", "lower.stl")


def open_scans_group(page: Page) -> Locator:
    """Open the chart's scans group; return its viewer once it has settled."""
    group = page.locator('#open-chart > details[data-group-kind="scan"]')
    if group.get_attribute("open") is None:
        group.locator("summary").first.click()
    viewer = group.locator('[data-preview-kind="scan"]')
    viewer.and_(page.locator("[data-preview]")).wait_for(timeout=WORK_TIMEOUT_MS)
    return viewer


def keep_picture(viewer: Locator, name: str) -> None:
    """Keep a picture of the scans group for people to look at (the page itself, with
    every file of the records listed below, is too long to look at whole)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    group = viewer.locator("xpath=ancestor::details[@data-group-kind='scan']")
    group.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def test_the_open_view_shows_the_records_scans_together_in_3d(records_page: Page) -> None:
    viewer = open_scans_group(records_page)
    assert viewer.get_attribute("data-preview") == "shown"
    names = viewer.locator(".scan-legend .scan-name").all_text_contents()
    assert names == ["upper.stl", "lower.stl", "model.obj"]
    assert viewer.locator(".scan-problem").count() == 0
    assert drawn_fraction(picture(records_page)) > 0.05
    keep_picture(viewer, "32-scans-3d")


def test_on_a_phone_the_open_views_scans_fit_the_screen(records_page: Page) -> None:
    viewer = open_scans_group(records_page)
    records_page.set_viewport_size({"width": 390, "height": 844})
    try:
        records_page.wait_for_function(
            "() => document.querySelector('.scan-canvas').getBoundingClientRect().width <= 390"
        )
        box = viewer.locator(".scan-canvas").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
        assert box["height"] >= 240
        assert drawn_fraction(picture(records_page)) > 0.05
        keep_picture(viewer, "33-scans-390px")
    finally:
        records_page.set_viewport_size({"width": 1280, "height": 900})


def test_both_arches_show_together_named_in_the_legend_on_a_drawn_canvas(
    page: Page, scans_site: str
) -> None:
    assert mount(page, scans_site, *ARCHES, *textured_block()) == "shown"
    legend = page.locator(".scan-legend .scan-name").all_text_contents()
    assert legend == ["upper.stl", "lower.stl", "block.obj"]
    label = str(page.get_attribute(".scan-canvas", "aria-label"))
    assert all(name in label for name in legend)
    assert page.get_attribute(".scan-canvas", "role") == "img"
    assert drawn_fraction(picture(page)) > 0.08


def test_the_single_file_shows_the_scans_in_3d_from_a_file_url_without_a_request(
    page: Page, single_file: Path, records_to_view: RecordsToView, requests_seen: list[str]
) -> None:
    open_page(page, single_file.as_uri())
    open_with_identity(page, records_to_view.sealed, records_to_view.identity)
    viewer = open_scans_group(page)
    assert viewer.get_attribute("data-preview") == "shown"
    assert viewer.locator(".scan-legend .scan-name").all_text_contents()[:2] == list(ARCHES)
    assert drawn_fraction(picture(page)) > 0.05
    assert {url.split(":", 1)[0] for url in requests_seen} <= LOCAL_SCHEMES


def test_each_arch_has_its_own_colour_and_hiding_one_changes_the_picture(
    page: Page, scans_site: str
) -> None:
    assert mount(page, scans_site, *ARCHES) == "shown"
    swatches = page.eval_on_selector_all(
        ".scan-swatch", "(all) => all.map((s) => getComputedStyle(s).backgroundColor)"
    )
    assert len(set(swatches)) == 2
    both = picture(page)
    page.get_by_role("checkbox", name="upper.stl").uncheck()
    lower_only = picture(page)
    assert difference(both, lower_only) > 0.02
    assert drawn_fraction(lower_only) > 0.02
    page.get_by_role("checkbox", name="upper.stl").check()
    assert difference(both, picture(page)) < 0.005


def test_dragging_rotates_and_reset_view_brings_back_the_first_picture(
    page: Page, scans_site: str
) -> None:
    assert mount(page, scans_site, *ARCHES) == "shown"
    first = picture(page)
    drag(page, 140, 60)
    turned = picture(page)
    assert difference(first, turned) > 0.05
    drag(page, 80, 40, button="right")
    page.mouse.wheel(0, -400)
    page.get_by_role("button", name="Reset view").click()
    assert difference(first, picture(page)) < 0.005


def test_keys_rotate_and_zoom_the_focused_canvas_and_reach_reset_view(
    page: Page, scans_site: str
) -> None:
    assert mount(page, scans_site, *ARCHES) == "shown"
    first = picture(page)
    page.locator(".scan-canvas").focus()
    for _ in range(4):
        page.keyboard.press("ArrowLeft")
    assert difference(first, picture(page)) > 0.05
    turned = drawn_fraction(picture(page))
    for _ in range(3):
        page.keyboard.press("+")
    assert drawn_fraction(picture(page)) > turned * 1.3
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert difference(first, picture(page)) < 0.005


def test_an_stl_declaring_more_triangles_than_it_holds_is_said_while_the_others_show(
    page: Page, scans_site: str
) -> None:
    assert mount(page, scans_site, "upper.stl", "broken.stl", "lower.stl") == "shown"
    assert page.locator(".scan-problem").all_text_contents() == [DAMAGED]
    assert page.locator(".scan-legend .scan-name").all_text_contents() == list(ARCHES)
    assert drawn_fraction(picture(page)) > 0.08


def test_a_damaged_stl_alone_settles_as_an_error_in_one_sentence(
    page: Page, scans_site: str
) -> None:
    assert mount(page, scans_site, "broken.stl") == "error"
    assert page.locator("#viewer").inner_text().strip() == DAMAGED
    assert page.locator("#viewer canvas").count() == 0


def test_an_mtl_texture_comes_from_the_records_a_missing_one_is_said_and_no_url_outlives_it(
    page: Page, scans_site: str
) -> None:
    page.add_init_script(WATCH_OBJECT_URLS)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    assert mount(page, scans_site, *textured_block()) == "shown"
    assert "texture gone.png is not in the records" in page.inner_text(".scan-legend")
    saturated = [p for p in picture(page) if max(p) - min(p) > 120]
    assert len(saturated) > 50, "the checkerboard texture is not drawn"
    urls = page.evaluate("window.objectUrls()")
    assert urls["made"] and sorted(urls["made"]) == sorted(urls["revoked"])
    fetched = {
        url.split("#")[0].removeprefix(scans_site)
        for url in requests
        if not url.startswith("blob:")
    }
    files = {f"scans/{name}" for name in textured_block()}
    assert fetched == {
        "",
        "mount.js",
        "web/scans.js",
        "web/scan3d.js",
        "web/scans.css",
        "web/style.css",
        *files,
    }
    assert sum(url.startswith("blob:") for url in requests) == 1, "one picture, from the records"


def test_without_webgl_the_viewer_says_so_in_one_sentence(page: Page, scans_site: str) -> None:
    page.add_init_script(
        "{ const get = HTMLCanvasElement.prototype.getContext;"
        " HTMLCanvasElement.prototype.getContext = function (kind, ...rest) {"
        " return kind.startsWith('webgl') ? null : get.call(this, kind, ...rest); }; }"
    )
    assert mount(page, scans_site, *ARCHES) == "unsupported"
    assert page.locator("#viewer").inner_text().strip() == NO_WEBGL


def test_destroy_loses_the_webgl_context_and_empties_the_viewer(
    page: Page, scans_site: str
) -> None:
    assert mount(page, scans_site, *ARCHES) == "shown"
    lost = page.evaluate(
        """() => {
          const canvas = document.querySelector(".scan-canvas");
          const gl = canvas.getContext("webgl2");
          window.scanViewer.destroy();
          return gl.isContextLost() && document.querySelector("#viewer").childElementCount === 0;
        }"""
    )
    assert lost


def test_on_a_phone_the_canvas_fits_the_screen(page: Page, scans_site: str) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    assert mount(page, scans_site, *ARCHES, *textured_block()) == "shown"
    box = page.locator(".scan-canvas").bounding_box()
    assert box is not None and box["width"] <= 390 and box["height"] >= 240
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert drawn_fraction(picture(page)) > 0.05


def test_a_ply_scan_shows_in_its_own_vertex_colours_and_a_point_cloud_is_said(
    page: Page, scans_site: str
) -> None:
    assert mount(page, scans_site, "colour.ply", "points.ply") == "shown"
    assert page.locator(".scan-legend .scan-name").all_text_contents() == ["colour.ply"]
    assert "(in its own colours)" in page.inner_text(".scan-legend")
    reddish = [p for p in picture(page) if p[0] - max(p[1], p[2]) > 60]
    assert len(reddish) > 200, "the vertex colours are not drawn"
    assert page.locator(".scan-problem").all_text_contents() == [
        "points.ply holds points but no surface to show; it can still be saved."
    ]


def test_a_scan_of_a_format_it_cannot_draw_settles_as_unsupported_in_one_sentence(
    page: Page, scans_site: str
) -> None:
    assert mount(page, scans_site, "print.3mf") == "unsupported"
    assert page.locator("#viewer").inner_text().strip() == (
        "print.3mf is a kind of scan this page cannot show in 3-D; it can still be saved."
    )
