"""The HTML report as a person sees it, in headless Chromium (Debian's chromium and
chromium-driver, driven by selenium).

Two reports: the software rig's whole run (``apcv-hil run``), read in a minute — the verdict on
the first screen, no horizontal overflow from 800 px up, the folded page under 8,000 px, no
console error; and a small plugin run made to pass and fail — filters, sorting, a failure found
with its trace, frame and timing in a few clicks. Screenshots are kept as test artefacts in
``reports/test-artefacts/report-browser/`` (or ``$APCV_TEST_ARTEFACTS``).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
REPO = Path(__file__).resolve().parents[1]
ARTEFACTS = Path(os.environ.get("APCV_TEST_ARTEFACTS", REPO / "reports" / "test-artefacts"), "report-browser")
MAX_FOLDED_HEIGHT = 8_000
pytestmark = [pytest.mark.slow,  # starts a browser and runs pytest in a subprocess
              pytest.mark.skipif(CHROMIUM is None or CHROMEDRIVER is None,
                                 reason="chromium and chromium-driver are not installed (scripts/setup.sh)")]


def browser(width: int = 1400, height: int = 1000):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     f"--window-size={width},{height}"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def keep(driver, name: str) -> Path:
    """Save a screenshot of the viewport as a test artefact; its path."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTEFACTS / f"{name}.png"
    assert driver.save_screenshot(str(path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return path


@pytest.fixture(scope="module")
def software_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """index.html of ``apcv-hil run`` over every scenario on the software rig."""
    from harness.cli import cli

    out = tmp_path_factory.mktemp("software-run") / "report"
    result = CliRunner().invoke(cli, ["run", "--rig", "software", "--report", str(out)])
    assert (out / "index.html").is_file(), result.output
    return out / "index.html"


@pytest.fixture(scope="module")
def page(plugin_run: dict) -> Iterator:
    driver = browser()
    driver.get((Path(plugin_run["report_dir"]) / "index.html").as_uri())
    yield driver
    driver.quit()


def page_size(driver) -> dict[str, int]:
    return driver.execute_script(
        "var d = document.documentElement;"
        "return {scroll: d.scrollWidth, client: d.clientWidth, height: d.scrollHeight, view: innerHeight};")


@pytest.mark.parametrize("width", [800, 1024, 1280])
def test_the_software_rig_report_reads_in_a_minute(software_report: Path, width: int) -> None:
    from selenium.webdriver.common.by import By

    driver = browser(width, 768)
    try:
        driver.get(software_report.as_uri())
        size = page_size(driver)
        assert size["scroll"] <= size["client"], f"horizontal overflow at {width} px: {size}"
        word = driver.find_element(By.CSS_SELECTOR, "#verdict .word")
        box = driver.execute_script("return arguments[0].getBoundingClientRect().toJSON()", word)
        assert word.text in {"PASSED", "NOT PASSED", "CERTIFIED", "NOT CERTIFIED", "INTERRUPTED"}
        assert box["top"] >= 0 and box["bottom"] <= size["view"], "the verdict is not on the first screen"
        assert driver.find_element(By.ID, "dut").is_displayed()
        assert size["height"] < MAX_FOLDED_HEIGHT, f"folded page is {size['height']} px at {width} px"
        errors = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
        assert errors == []
        keep(driver, f"software-rig-{width}px-first-screen")
        driver.set_window_size(width, min(size["height"] + 140, MAX_FOLDED_HEIGHT))
        keep(driver, f"software-rig-{width}px-folded-page")
    finally:
        driver.quit()


def test_the_blocking_requirements_show_on_the_first_screen_with_their_reason(page) -> None:
    from selenium.webdriver.common.by import By

    page.execute_script("window.scrollTo(0, 0)")
    word = page.find_element(By.CSS_SELECTOR, "#verdict .word")
    assert word.text == "NOT PASSED"
    blocking = page.find_element(By.CSS_SELECTOR, "#verdict table.blocking")
    assert "APCV-NFC-002" in blocking.text and "turnaround_ms = 72 ms (limit ≤ 50 ms)" in blocking.text
    assert page.execute_script("return arguments[0].getBoundingClientRect().bottom", blocking) < 1000
    click(page, blocking.find_element(By.LINK_TEXT, "APCV-NFC-002"))
    detail = page.find_element(By.CSS_SELECTOR, "#req-APCV-NFC-002 + tr.req-detail")
    assert detail.is_displayed() and "Why not passed" in detail.text
    click(page, page.find_element(By.ID, "req-APCV-NFC-002"))  # folded again for the next tests
    assert not detail.is_displayed()


def test_a_measurement_shows_its_value_against_its_limit_and_its_distribution(software_report: Path) -> None:
    from selenium.webdriver.common.by import By

    driver = browser(1024, 768)
    try:
        driver.get(software_report.as_uri())
        rows = {row.find_element(By.TAG_NAME, "code").text: row
                for row in driver.find_elements(By.CSS_SELECTOR, "#measurement-table tr.measurement")}
        budget = rows["APCV-RDR-015 p95"]
        assert budget.find_element(By.CSS_SELECTOR, "td.value").text.endswith(" ms")
        assert budget.find_element(By.CSS_SELECTOR, "td.limit").text == "≤ 20 ms"
        assert budget.find_element(By.CSS_SELECTOR, ".scale .bar").size["width"] > 0
        assert budget.find_element(By.CSS_SELECTOR, ".scale .mark")
        assert "p95" in budget.find_element(By.CSS_SELECTOR, ".spread").text
        budget.find_element(By.CSS_SELECTOR, "details.distribution summary").click()
        chart = budget.find_element(By.CSS_SELECTOR, "svg.chart")
        assert chart.is_displayed() and chart.size["width"] > 100 and "p95" in chart.text
    finally:
        driver.quit()


def visible_tests(driver) -> list[tuple[str, str]]:
    from selenium.webdriver.common.by import By

    return [(el.get_attribute("data-outcome"),
             el.find_element(By.CSS_SELECTOR, "summary b.name").get_attribute("textContent"))
            for el in driver.find_elements(By.CSS_SELECTOR, "details.test")
            if "hidden" not in el.get_attribute("class")]


def click(driver, element) -> None:
    """Click ``element`` brought to the middle of the window (not under the sticky filter bar)."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def select(driver, element_id: str, value: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    Select(driver.find_element(By.ID, element_id)).select_by_value(value)


def test_the_requirement_table_folds_its_tests_and_failures_come_first(page) -> None:
    from selenium.webdriver.common.by import By

    row = page.find_element(By.ID, "req-APCV-NFC-002")
    detail = page.find_element(By.CSS_SELECTOR, "#req-APCV-NFC-002 + tr.req-detail")
    assert row.is_displayed() and "FAILED" in row.text and not detail.is_displayed()
    row.click()
    assert detail.is_displayed() and "test_out_of_limits" in detail.text
    assert "PASSED" in page.find_element(By.ID, "req-APCV-RDR-005").text
    page.find_element(By.ID, "req-APCV-NFC-010").click()
    assert "not tested" in page.find_element(By.CSS_SELECTOR, "#req-APCV-NFC-010 + tr.req-detail").text
    assert "Mandatory requirements" in page.find_element(By.ID, "matrix-mandatory").text
    first = page.find_element(By.CSS_SELECTOR, "details.test")
    assert first.get_attribute("data-outcome") == "failed" and first.get_attribute("open") is not None


def test_a_heading_sorts_the_requirements(page) -> None:
    from selenium.webdriver.common.by import By

    page.execute_script("window.scrollTo(0, 0)")  # headings scrolled under the sticky filter bar
    table = page.find_element(By.ID, "matrix-mandatory")
    heading = table.find_element(By.XPATH, ".//th[text()='verdict']")
    heading.click()
    verdicts = [row.get_attribute("data-verdict") for row in table.find_elements(By.CSS_SELECTOR, "tr.req")]
    order = ["failed", "not_judged", "not_applicable", "passed"]
    assert verdicts[0] == "failed" and verdicts == sorted(verdicts, key=order.index)
    details = table.find_elements(By.CSS_SELECTOR, "tbody > tr")
    assert all(a.get_attribute("class") == "req" and b.get_attribute("class") == "req-detail"
               for a, b in zip(details[::2], details[1::2], strict=True))
    heading.click()
    assert table.find_elements(By.CSS_SELECTOR, "tr.req")[-1].get_attribute("data-verdict") == "failed"


def test_the_filters_narrow_the_tests_and_the_matrix(page) -> None:
    from selenium.webdriver.common.by import By

    total = len(visible_tests(page))
    page.find_element(By.ID, "filter-passed").click()
    assert {outcome for outcome, _ in visible_tests(page)} == {"failed"}
    assert not page.find_element(By.ID, "req-APCV-RDR-005").is_displayed()
    assert page.find_element(By.ID, "filter-count").text.startswith("showing 2 of ")
    page.find_element(By.ID, "filter-passed").click()
    assert len(visible_tests(page)) == total
    search = page.find_element(By.ID, "filter-text")
    search.send_keys("APCV-QR-001")
    assert visible_tests(page) == [("failed", "test_failed_scan")]
    assert page.find_element(By.ID, "req-APCV-QR-001").is_displayed()
    assert not page.find_element(By.ID, "req-APCV-RDR-005").is_displayed()
    search.clear()
    search.send_keys(" ")  # an input event with an empty query
    select(page, "filter-role", "card")
    assert [name for _, name in visible_tests(page)] == ["test_card_tagged"]
    assert page.find_element(By.ID, "req-APCV-CARD-001").is_displayed()
    assert not page.find_element(By.ID, "req-APCV-NFC-002").is_displayed()
    select(page, "filter-role", "")


def test_a_failure_its_trace_frame_and_timing_in_a_few_clicks(page) -> None:
    from selenium.webdriver.common.by import By

    click(page, page.find_element(By.ID, "req-APCV-QR-001"))
    click(page, page.find_element(By.CSS_SELECTOR, "#req-APCV-QR-001 + tr.req-detail a"))
    section = page.find_element(By.CSS_SELECTOR, "details.test.failed[data-requirements='APCV-QR-001']")
    assert "no QR payload within 0.3 s" in section.text
    frame = section.find_element(By.CSS_SELECTOR, "img.frame")
    assert page.execute_script("return arguments[0].naturalWidth", frame) > 50
    trace = section.find_element(By.CSS_SELECTOR, "details.trace table.apdu")
    assert trace.is_displayed() and "scan failed" in trace.text
    click(page, page.find_element(By.ID, "req-APCV-RDR-005"))
    click(page, page.find_element(By.CSS_SELECTOR, "#req-APCV-RDR-005 + tr.req-detail a"))
    read = page.find_element(By.CSS_SELECTOR, "details.test.passed[data-requirements='APCV-RDR-005']")
    assert read.get_attribute("open") is not None  # the link unfolded the passed group and the test
    click(page, read.find_element(By.CSS_SELECTOR, "details.trace summary"))
    table = read.find_element(By.CSS_SELECTOR, "table.apdu")
    assert "ESTABLISH SESSION (APCV-R1)" in table.text and "9000" in table.text and "success" in table.text
    assert "GET PRESENTATION (APCV-R1)" in table.text
    duration = read.find_element(By.CSS_SELECTOR, ".duration").text
    assert re.fullmatch(r"\([1-9][0-9.]* (ms|s)\)", duration), duration  # its time, for a person
    links = [a.get_attribute("href") for a in read.find_elements(By.CSS_SELECTOR, "details.trace summary a")]
    assert any(link.endswith(".pcapng") for link in links)
    shot = keep(page, "plugin-run-failure-and-trace")
    assert shot.stat().st_size > 20_000


def test_the_rollout_page_keeps_each_date_on_one_line(tmp_path: Path) -> None:
    """The model pages' first column (dates, hours, mixes) never breaks at a hyphen, at 800 px."""
    from harness.cli import cli

    result = CliRunner().invoke(cli, ["rollout", "--until", "2026-03-04", "--step-days", "120",
                                      "--review-replications", "1", "--workers", "1", "--plot",
                                      str(tmp_path)])
    assert result.exit_code == 0, result.output
    driver = browser(800, 900)
    try:
        driver.get((tmp_path / "index.html").as_uri())
        cells = driver.execute_script(  # lines a cell's text takes: one client rect per line box
            "return Array.from(document.querySelectorAll('table.model td:first-child')).map(function (c) {"
            "  var range = document.createRange(); range.selectNodeContents(c);"
            "  var tops = new Set(Array.from(range.getClientRects()).map(function (r) { return r.top; }));"
            "  return [c.textContent.trim(), tops.size];"
            "});")
        keep(driver, "rollout-800")
    finally:
        driver.quit()
    dates = {text: lines for text, lines in cells if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text)}
    assert len(dates) >= 10
    assert set(dates.values()) == {1}, dates
