"""The HTML report as a person sees it, in headless Chromium (Debian's chromium and
chromium-driver, driven by selenium): the verdict table, charts drawn and not empty, the
filters, a failure found with its trace, frame and timing in a few clicks, and a screenshot
saved with the report."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(CHROMIUM is None or CHROMEDRIVER is None,
                                reason="chromium and chromium-driver are not installed (scripts/setup.sh)")


@pytest.fixture(scope="module")
def page(plugin_run: dict) -> Iterator:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1400,1000"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.get((Path(plugin_run["report_dir"]) / "index.html").as_uri())
    yield driver
    driver.quit()


def visible_tests(driver) -> list[tuple[str, str]]:
    from selenium.webdriver.common.by import By

    return [(el.get_attribute("data-outcome"), el.find_element(By.TAG_NAME, "h3").text)
            for el in driver.find_elements(By.CSS_SELECTOR, "section.test") if el.is_displayed()]


def select(driver, element_id: str, value: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    Select(driver.find_element(By.ID, element_id)).select_by_value(value)


def test_the_verdict_table_shows_each_requirement_and_failures_come_first(page) -> None:
    from selenium.webdriver.common.by import By

    row = page.find_element(By.ID, "req-APCV-NFC-002")
    assert row.is_displayed() and "FAILED" in row.text and "test_out_of_limits" in row.text
    assert "PASSED" in page.find_element(By.ID, "req-APCV-RDR-005").text
    untested = page.find_element(By.ID, "req-APCV-NFC-010")
    assert untested.is_displayed() and "NOT_JUDGED" in untested.text.upper() and "not tested" in untested.text
    assert "Mandatory requirements" in page.find_element(By.ID, "matrix-mandatory").text
    outcomes = [outcome for outcome, _ in visible_tests(page)]
    assert outcomes == sorted(outcomes, key=["failed", "error", "skipped", "passed"].index)
    assert outcomes[0] == "failed" and "passed" in outcomes


def test_charts_are_drawn_and_not_empty(page) -> None:
    from selenium.webdriver.common.by import By

    charts = [c for c in page.find_elements(By.CSS_SELECTOR, "svg.chart") if c.is_displayed()]
    assert len(charts) >= 3
    for chart in charts:
        assert chart.size["width"] > 100 and chart.size["height"] > 40
        heights = page.execute_script(
            "return Array.from(arguments[0].querySelectorAll('rect.bar')).map(r => r.getBBox().height)",
            chart)
        assert heights and max(heights) > 0, chart.get_attribute("aria-label")
    figures = {f.find_element(By.TAG_NAME, "figcaption").text: f
               for f in page.find_elements(By.CSS_SELECTOR, "div.charts figure.measurement")}
    limited = figures["turnaround_ms, limit ≤ 50 ms, 1 out of limits"]
    assert limited.find_elements(By.CSS_SELECTOR, "line.limit")
    assert limited.find_elements(By.CSS_SELECTOR, "rect.bar.fail")


def test_the_filters_narrow_the_tests_and_the_matrix(page) -> None:
    from selenium.webdriver.common.by import By

    total = len(visible_tests(page))
    page.find_element(By.ID, "filter-passed").click()
    assert {outcome for outcome, _ in visible_tests(page)} == {"failed"}
    assert not page.find_element(By.ID, "req-APCV-RDR-005").is_displayed()
    assert page.find_element(By.ID, "filter-count").text.startswith("showing 2 of ")
    page.find_element(By.ID, "filter-passed").click()
    assert len(visible_tests(page)) == total
    select(page, "filter-requirement", "APCV-QR-001")
    assert [name.split()[:2] for _, name in visible_tests(page)] == [["FAILED", "test_failed_scan"]]
    select(page, "filter-requirement", "")
    select(page, "filter-role", "card")
    assert [name.split()[1] for _, name in visible_tests(page)] == ["test_card_tagged"]
    assert page.find_element(By.ID, "req-APCV-CARD-001").is_displayed()
    assert not page.find_element(By.ID, "req-APCV-NFC-002").is_displayed()
    select(page, "filter-role", "")


def test_a_failure_its_trace_frame_and_timing_in_a_few_clicks(page, plugin_run: dict) -> None:
    from selenium.webdriver.common.by import By

    page.find_element(By.CSS_SELECTOR, "#req-APCV-QR-001 a").click()
    section = page.find_element(By.CSS_SELECTOR, "section.test.failed[data-requirements='APCV-QR-001']")
    assert "no QR payload within 0.3 s" in section.text
    frame = section.find_element(By.CSS_SELECTOR, "img.frame")
    assert page.execute_script("return arguments[0].naturalWidth", frame) > 50
    trace = section.find_element(By.CSS_SELECTOR, "details.trace table.apdu")
    assert trace.is_displayed() and "scan failed" in trace.text
    read = page.find_element(By.CSS_SELECTOR, "section.test.passed[data-requirements='APCV-RDR-005']")
    read.find_element(By.CSS_SELECTOR, "details.trace summary").click()
    table = read.find_element(By.CSS_SELECTOR, "table.apdu")
    assert "ESTABLISH SESSION (APCV-R1)" in table.text and "9000" in table.text and "success" in table.text
    assert "GET PRESENTATION (APCV-R1)" in table.text
    duration = read.find_element(By.CSS_SELECTOR, ".duration").text
    assert duration.endswith(" ms)") and not duration.startswith("(0.0")
    links = [a.get_attribute("href") for a in read.find_elements(By.CSS_SELECTOR, "details.trace summary a")]
    assert any(link.endswith(".pcapng") for link in links)
    screenshot = Path(plugin_run["report_dir"]) / "screenshot.png"
    assert page.save_screenshot(str(screenshot))
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and screenshot.stat().st_size > 20_000
