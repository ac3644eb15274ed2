"""axe-core finds no serious or critical accessibility violation on Send, Open (every
viewer shown) and My key.

axe-core (pinned in package.json) is put into the page through the DevTools protocol,
which the page's Content-Security-Policy does not govern: the policy stays as people
get it, and nothing of axe is served by the site.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page

from .conftest import REPO

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"

RUN_AXE = """async (selector) => {
  const result = await axe.run(selector ?? document, { resultTypes: ["violations"] });
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ")) }));
}"""

# Every group of the chart and every series in it opened, so each viewer is on screen.
OPEN_EVERY_GROUP = """() => {
  for (const details of document.querySelectorAll("#open-chart details:not([data-files])")) {
    details.open = true;
  }
}"""


# A button with no name, which axe must call a critical violation: the control that
# shows the check can fail.
NAMELESS_BUTTON = """() => {
  const control = Object.assign(document.createElement("div"), { id: "axe-control" });
  control.append(document.createElement("button"));
  document.body.append(control);
}"""


def violations(page: Page, selector: str | None = None) -> list[dict[str, Any]]:
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.evaluate(Path(AXE).read_text(encoding="utf-8"))
    found: list[dict[str, Any]] = page.evaluate(RUN_AXE, selector)
    return found


def test_send_open_with_every_viewer_and_my_key_have_no_serious_violation(
    records_page: Page,
) -> None:
    records_page.evaluate(OPEN_EVERY_GROUP)
    # Opening a group makes the series inside it; open those too, then let them settle.
    records_page.evaluate(OPEN_EVERY_GROUP)
    records_page.wait_for_function(
        """() => [...document.querySelectorAll("#open-chart .preview")]
             .every((preview) => preview.dataset.preview)""",
        timeout=120_000,
    )
    assert records_page.locator("#open-chart .preview").count() >= 5
    opened = violations(records_page)
    records_page.click("#tab-send")
    sending = violations(records_page)
    records_page.click("#tab-keys")
    keys = violations(records_page)
    assert (opened, sending, keys) == ([], [], [])

    records_page.evaluate(NAMELESS_BUTTON)
    assert [v["id"] for v in violations(records_page, "#axe-control")] == ["button-name"]
    records_page.evaluate("() => document.getElementById('axe-control').remove()")
