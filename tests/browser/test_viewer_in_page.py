"""The DICOM viewer in the Open view, as a receiver uses it on the records of
records_to_view.py: the generated CT volume drawn with its window exactly as DICOM
defines it, scrolled, windowed, measured and read with its orientation letters, its
two reconstructed planes in proportion and linked by a cross-hair; and every shipped
pydicom image shown (or, for a compression this page cannot decode, said so)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from playwright.sync_api import Locator, Page, expect

from .conftest import SCREENSHOTS, WORK_TIMEOUT_MS
from .records_to_view import SHIPPED_IMAGES, RecordsToView, Volume

# The canvas' own pixels, gray level per pixel (the red channel of an opaque gray image).
CANVAS_GRAY = """canvas => {
  const { data } = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
  const gray = new Array(canvas.width * canvas.height);
  for (let i = 0; i < gray.length; i += 1) gray[i] = data[i * 4];
  return { width: canvas.width, height: canvas.height, gray };
}"""


def windowed(hu: np.ndarray, center: float, width: float) -> np.ndarray:
    """The display levels DICOM's linear window function (PS3.3 C.11.2.1.2.1) gives."""
    low = center - 0.5 - (width - 1) / 2
    high = center - 0.5 + (width - 1) / 2
    ramp = np.round(((hu - (center - 0.5)) / (width - 1) + 0.5) * 255)
    return np.where(hu <= low, 0, np.where(hu > high, 255, ramp))


def open_details(page: Page, details: Locator) -> None:
    """Open ``details`` and wait for the content it makes when opened."""
    if details.get_attribute("open") is None:
        details.locator(":scope > summary").click()
    details.locator(":scope > :nth-child(2)").wait_for(state="attached")


def open_series(page: Page, study: Locator, number: int = 1) -> Locator:
    """Open ``study`` and its series ``number``; the viewer's container in it."""
    open_details(page, study)
    series = study.locator(f'details[data-series="{number}"]')
    open_details(page, series)
    viewer = series.locator('[data-preview-kind="dicom"]')
    viewer.wait_for(state="attached", timeout=WORK_TIMEOUT_MS)
    return viewer


def settled(viewer: Locator) -> str:
    """Wait until the viewer says whether its first image was drawn; what it says."""
    viewer.locator("xpath=self::*[@data-preview]").wait_for(
        state="attached", timeout=WORK_TIMEOUT_MS
    )
    return str(viewer.get_attribute("data-preview"))


@pytest.fixture(scope="module")
def volume_viewer(records_page: Page) -> Locator:
    """The CT volume's viewer, opened, with its three planes built."""
    study = records_page.locator("#open-chart > details", has_text="CBCT")
    viewer = open_series(records_page, study)
    assert settled(viewer) == "shown", viewer.text_content()
    viewer.locator('.viewer-planes[data-planes="3"]').wait_for(
        state="attached", timeout=WORK_TIMEOUT_MS
    )
    return viewer


def plane(viewer: Locator, name: str) -> Locator:
    return viewer.locator(f'figure[data-plane="{name}"]')


def wait_for_index(figure: Locator, index: int) -> None:
    figure.locator(f'.viewer-viewport[data-index="{index}"]').wait_for(
        state="attached", timeout=WORK_TIMEOUT_MS
    )


def shown_index(figure: Locator) -> int:
    return int(figure.locator(".viewer-viewport").get_attribute("data-index") or "-1")


def canvas_gray(figure: Locator) -> np.ndarray:
    picture: dict[str, Any] = figure.locator("canvas").evaluate(CANVAS_GRAY)
    return np.array(picture["gray"], dtype=float).reshape(picture["height"], picture["width"])


def assert_looks_like(shown: np.ndarray, reference: np.ndarray) -> None:
    """Within 2 gray levels on at least 99 % of the pixels."""
    assert shown.shape == reference.shape
    close = np.abs(shown - reference) <= 2
    assert close.mean() >= 0.99, f"only {close.mean():.1%} of the pixels match"


def tool(viewer: Locator, name: str) -> None:
    viewer.get_by_role("button", name=name, exact=True).click()


def image_point(figure: Locator, column: float, row: float) -> tuple[float, float]:
    """Where pixel (column, row) of the plane's image is on the screen."""
    canvas = figure.locator("canvas")
    box = canvas.bounding_box()
    assert box is not None
    width, height = canvas.evaluate("c => [c.width, c.height]")
    return box["x"] + column * box["width"] / width, box["y"] + row * box["height"] / height


def go_to(figure: Locator, index: int) -> None:
    figure.locator(".viewer-viewport").focus()
    figure.page.keyboard.press("Home")
    for _ in range(index // 10):
        figure.page.keyboard.press("PageDown")
    for _ in range(index % 10):
        figure.page.keyboard.press("ArrowDown")
    wait_for_index(figure, index)


def test_a_ct_slice_is_drawn_with_its_window_exactly_as_dicom_defines_it(
    volume_viewer: Locator, records_to_view: RecordsToView
) -> None:
    volume = records_to_view.volume
    tool(volume_viewer, "Default")
    axial = plane(volume_viewer, "axial")
    go_to(axial, 100)  # through the bone sphere and both rods
    hu = volume.hounsfield()
    assert_looks_like(canvas_gray(axial), windowed(hu[100], *volume.window))
    assert "Image 101 of 200" in (axial.locator(".viewer-info-top").text_content() or "")
    # The series is named as its files name it, as imaging software lists it.
    status = volume_viewer.locator(".viewer-status").text_content() or ""
    assert status.startswith(f"{volume.series_description} · 2024-03-01 · 200 images"), status


def test_the_wheel_and_the_keys_move_through_the_images(volume_viewer: Locator) -> None:
    axial = plane(volume_viewer, "axial")
    go_to(axial, 0)
    page = volume_viewer.page
    page.keyboard.press("ArrowDown")
    wait_for_index(axial, 1)
    page.keyboard.press("PageDown")
    wait_for_index(axial, 11)
    page.keyboard.press("End")
    wait_for_index(axial, 199)
    page.keyboard.press("ArrowUp")
    wait_for_index(axial, 198)
    x, y = image_point(axial, 128, 128)
    page.mouse.move(x, y)
    for _ in range(3):
        page.mouse.wheel(0, -100)
    wait_for_index(axial, 195)
    assert axial.locator("input[type=range]").input_value() == "196"


def test_the_bone_and_soft_tissue_presets_redraw_with_their_windows(
    volume_viewer: Locator, records_to_view: RecordsToView
) -> None:
    axial = plane(volume_viewer, "axial")
    go_to(axial, 100)
    hu = records_to_view.volume.hounsfield()[100]
    tool(volume_viewer, "Bone")
    volume_viewer.page.wait_for_timeout(200)
    bone = canvas_gray(axial)
    assert_looks_like(bone, windowed(hu, 500, 2000))
    assert "W 2000 L 500" in (axial.locator(".viewer-info-bottom").text_content() or "")
    tool(volume_viewer, "Soft tissue")
    volume_viewer.page.wait_for_timeout(200)
    soft = canvas_gray(axial)
    assert_looks_like(soft, windowed(hu, 40, 400))
    assert np.abs(bone - soft).mean() > 10
    tool(volume_viewer, "Default")


def test_the_measure_tool_gives_the_water_cylinders_diameter_in_mm(
    volume_viewer: Locator, records_to_view: RecordsToView
) -> None:
    volume = records_to_view.volume
    axial = plane(volume_viewer, "axial")
    go_to(axial, 20)
    # The cylinder is 100 mm across, centred on x = y = 0; pixel centres are at
    # origin + index * spacing, so its edges fall at these (fractional) columns.
    row = (0 - volume.origin[1]) / volume.spacing[0] + 0.5
    left = (-50 - volume.origin[0]) / volume.spacing[1] + 0.5
    right = (50 - volume.origin[0]) / volume.spacing[1] + 0.5
    tool(volume_viewer, "Measure")
    page = volume_viewer.page
    page.mouse.move(*image_point(axial, left, row))
    page.mouse.down()
    page.mouse.move(*image_point(axial, right, row), steps=8)
    page.mouse.up()
    measured = axial.locator(".viewer-measured")
    assert measured.get_attribute("data-unit") == "mm"
    assert abs(float(measured.get_attribute("data-value") or "nan") - 100) <= 1
    assert "mm" in (measured.text_content() or "")
    tool(volume_viewer, "Window/level")


def drag(page: Page, start: tuple[float, float], dx: float, dy: float) -> None:
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(start[0] + dx, start[1] + dy, steps=6)
    page.mouse.up()


def test_dragging_sets_the_window_zoom_and_pan_move_the_image_and_reset_undoes_them(
    volume_viewer: Locator,
) -> None:
    page = volume_viewer.page
    axial = plane(volume_viewer, "axial")
    levels = axial.locator(".viewer-info-bottom")
    tool(volume_viewer, "Reset")
    expect(levels).to_have_text("W 400 L 40")
    tool(volume_viewer, "Window/level")
    drag(page, image_point(axial, 128, 128), 60, 30)
    expect(levels).not_to_have_text("W 400 L 40")
    width, center = (int(n) for n in (levels.text_content() or "").split()[1::2])
    assert width > 400 and center > 40
    canvas = axial.locator("canvas")
    before = canvas.bounding_box()
    tool(volume_viewer, "Zoom in")
    zoomed = canvas.bounding_box()
    assert before is not None and zoomed is not None
    assert abs(zoomed["width"] / before["width"] - 1.25) < 0.01
    tool(volume_viewer, "Pan")
    drag(page, image_point(axial, 128, 128), 40, -20)
    panned = canvas.bounding_box()
    assert panned is not None
    assert abs(panned["x"] - zoomed["x"] - 40) < 2 and abs(panned["y"] - zoomed["y"] + 20) < 2
    tool(volume_viewer, "Reset")
    assert canvas.bounding_box() == before
    expect(levels).to_have_text("W 400 L 40")
    tool(volume_viewer, "Window/level")


def test_an_axial_slice_reads_r_left_l_right_a_top_p_bottom(volume_viewer: Locator) -> None:
    axial = plane(volume_viewer, "axial")
    markers = {
        edge: axial.locator(f'.viewer-marker[data-edge="{edge}"]').text_content()
        for edge in ("left", "right", "top", "bottom")
    }
    assert markers == {"left": "R", "right": "L", "top": "A", "bottom": "P"}
    coronal = plane(volume_viewer, "coronal")
    assert coronal.locator('.viewer-marker[data-edge="top"]').text_content() == "H"
    assert coronal.locator('.viewer-marker[data-edge="right"]').text_content() == "L"


def reconstructed_aspect(volume: Volume) -> float:
    return volume.columns * volume.spacing[1] / (volume.slices * volume.slice_spacing)


def test_the_reconstructed_planes_keep_their_proportions_and_follow_a_click(
    volume_viewer: Locator, records_to_view: RecordsToView
) -> None:
    volume = records_to_view.volume
    tool(volume_viewer, "Default")
    axial, coronal, sagittal = (plane(volume_viewer, n) for n in ("axial", "coronal", "sagittal"))
    for figure in (coronal, sagittal):
        box = figure.locator("canvas").bounding_box()
        assert box is not None
        assert abs(box["width"] / box["height"] - reconstructed_aspect(volume)) < 0.02
    go_to(axial, 100)
    volume_viewer.page.mouse.click(*image_point(axial, 200.5, 60.5))
    wait_for_index(coronal, 60)
    wait_for_index(sagittal, 200)
    hu = volume.hounsfield()
    # Head up: the coronal plane's top row is the highest slice.
    assert_looks_like(canvas_gray(coronal), windowed(hu[::-1, 60, :], *volume.window))
    assert_looks_like(canvas_gray(sagittal), windowed(hu[::-1, :, 200], *volume.window))
    volume_viewer.page.mouse.click(*image_point(coronal, 100.5, 50.5))
    wait_for_index(axial, volume.slices - 1 - 50)
    wait_for_index(sagittal, 100)
    assert_looks_like(canvas_gray(axial), windowed(hu[volume.slices - 1 - 50], *volume.window))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    volume_viewer.screenshot(path=str(SCREENSHOTS / "30-viewer-three-planes.png"))


def test_on_a_phone_the_three_planes_stack_and_keep_their_proportions(
    volume_viewer: Locator, records_to_view: RecordsToView
) -> None:
    page = volume_viewer.page
    size = page.viewport_size
    page.set_viewport_size({"width": 390, "height": 844})
    try:
        page.wait_for_timeout(300)
        boxes = [plane(volume_viewer, n).bounding_box() for n in ("axial", "coronal", "sagittal")]
        assert all(box is not None for box in boxes)
        lefts = {round(box["x"]) for box in boxes if box}
        tops = [box["y"] for box in boxes if box]
        assert len(lefts) == 1 and tops == sorted(tops) and tops[0] < tops[1] < tops[2]
        assert all(box["x"] + box["width"] <= 390 for box in boxes if box)
        canvas = plane(volume_viewer, "coronal").locator("canvas").bounding_box()
        assert canvas is not None
        aspect = reconstructed_aspect(records_to_view.volume)
        assert abs(canvas["width"] / canvas["height"] - aspect) < 0.02
        volume_viewer.screenshot(path=str(SCREENSHOTS / "31-viewer-390px.png"))
    finally:
        assert size is not None
        page.set_viewport_size(size)


def test_every_shipped_pydicom_image_and_wrapped_photo_is_shown_or_said_unsupported(
    records_page: Page,
) -> None:
    studies = records_page.locator("#open-chart > details[data-group-kind=study]")
    outcomes: dict[str, str] = {}
    wrong: list[str] = []
    for s in range(studies.count()):
        study = studies.nth(s)
        if "CBCT" in (study.locator(":scope > summary").text_content() or ""):
            continue
        open_details(records_page, study)
        for n in range(1, study.locator("details[data-series]").count() + 1):
            viewer = open_series(records_page, study, n)
            state = settled(viewer)
            text = viewer.locator(".viewer-status").text_content() or ""
            outcomes[f"study {s + 1}, series {n}: {text}"] = state
            if state == "unsupported" and "save" in text:
                continue
            if state != "shown":
                wrong.append(f"{state}: {text}")
            elif canvas_gray(viewer.locator("figure").first).std() == 0:
                wrong.append(f"a blank image was shown: {text}")
    assert not wrong, wrong
    # Each shipped image is a series of its own (records_to_view gave each new UIDs);
    # the photos, wrapped as DICOM when sealed, are series too.
    assert len(outcomes) > len(SHIPPED_IMAGES), outcomes
