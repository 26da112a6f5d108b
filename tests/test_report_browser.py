"""The run report opened in a real browser (headless Chromium through Selenium): every
section is there, every image decodes, nothing is blank, the console stays clean.

Skipped, with the reason, where Chromium or its driver is missing (`.ci/run` installs
Debian's chromium and chromium-driver)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from ganbench.cli import main
from ganbench.report.page import SECTIONS

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")


@pytest.fixture
def browser(tmp_path: Path):
    if not (CHROMIUM and DRIVER):
        pytest.skip(
            "chromium and chromedriver are not installed (apt-get install chromium "
            "chromium-driver); the report was not checked in a browser"
        )
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,2000",
        f"--user-data-dir={tmp_path / 'chromium'}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    driver.quit()


def test_the_report_renders_in_chromium(browser, tiny: list[str], tmp_path: Path) -> None:
    from PIL import Image

    assert main(["train", *tiny]) == 0
    report = tmp_path / "runs" / "tiny" / "report.html"
    browser.get(report.as_uri())
    for section in SECTIONS:
        assert browser.find_element("id", section).is_displayed()
    images = browser.execute_script(
        "return Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.alt]);"
    )
    assert len(images) >= 5
    broken = [alt for complete, width, alt in images if not complete or width == 0]
    assert broken == [], f"images that did not decode: {broken}"
    height = browser.execute_script("return document.body.scrollHeight;")
    assert height > 2000  # curves and filmstrip laid out, not an empty page
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == [], errors
    shot = tmp_path / "report.png"
    browser.save_screenshot(str(shot))
    pixels = np.asarray(Image.open(shot).convert("L"), dtype=float)
    assert pixels.std() > 10  # text and figures, not a blank page
    assert (pixels < 128).mean() > 0.005
