"""``apcv-hil qr-bench``: the matrix, its targets, the heat map and page; absurd arguments refused."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from apcv.imaging.conditions import CONDITIONS
from harness.cli import cli
from harness.qr_bench.matrix import Cell, Matrix, run_matrix
from harness.qr_bench.targets import check_targets

ERROR = re.compile(r"^(apcv-hil: )?error: ")


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def assert_one_line_error(result: Result, fragment: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and ERROR.match(lines[0]) and fragment in lines[0], result.stderr
    assert "Traceback" not in result.output


def test_matrix_cells_and_targets_in_process():
    matrix = run_matrix(3, conditions=["nominal", "moire-hard"], jobs=1)
    assert matrix.decoders == ("zbar", "zxing", "opencv", "ensemble")
    nominal = matrix.cell("nominal", "ensemble")
    assert (nominal.frames, nominal.reads) == (3, 3) and nominal.median_ms > 0
    assert nominal.passes == {"zxing": 3}
    moire = [matrix.cell("moire-hard", d).reads for d in matrix.decoders]
    assert moire[-1] > max(moire[:-1])  # the clean-up passes read what no library reads
    targets = {t.title.split(" on ")[0]: t for t in check_targets(matrix)}
    assert len(targets) == 3 and all(t.met for t in targets.values()), targets
    data = matrix.to_json()
    assert data["frame_size"] == [1280, 720] and len(data["cells"]) == 8


def test_targets_say_what_is_missed():
    conditions = (CONDITIONS["moire-mild"], CONDITIONS["moire-hard"])
    reads = {("moire-mild", "zxing"): (10, 1.0), ("moire-mild", "ensemble"): (9, 42.0),
             ("moire-hard", "zxing"): (4, 1.0), ("moire-hard", "ensemble"): (3, 60.0)}
    cells = {(c, d): Cell(c, d, 10, r, ms) for (c, d), (r, ms) in reads.items()}
    for name in ("zbar", "opencv"):
        cells |= {(c.name, name): Cell(c.name, name, 10, 0, 20.0) for c in conditions}
    matrix = Matrix(10, 0, conditions, ("zbar", "zxing", "opencv", "ensemble"), cells, 1.0)
    assert [(t.met, t.detail) for t in check_targets(matrix)] == [
        (False, "behind on moire-mild, moire-hard"), (False, "moire-mild 90%"), (False, "moire-mild 42.0 ms")]


def test_command_writes_json_heat_map_and_a_self_contained_page(tmp_path: Path):
    plot, report = tmp_path / "map.png", tmp_path / "report"
    result = invoke("qr-bench", "--frames", "2", "--condition", "nominal", "--condition", "glare-hard",
                    "--jobs", "2", "--json", "--plot", str(plot), "--report", str(report))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [c["name"] for c in data["conditions"]] == ["nominal", "glare-hard"]
    assert {t["met"] for t in data["targets"]} == {True}
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = (report / "index.html").read_text()
    assert "data:image/png;base64," in page and "glare-hard" in page
    assert not re.search(r"(src|href)=\"(https?:)?//", page)  # nothing fetched
    assert json.loads((report / "matrix.json").read_text())["frames"] == 2


def test_table_and_targets_are_printed():
    result = invoke("qr-bench", "--frames", "1", "--condition", "jpeg-mild", "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert "jpeg-mild" in result.stdout and "ensemble" in result.stdout
    assert "ensemble reads 95% or more on every mild condition" in result.stdout.replace("\n", " ")


@pytest.mark.parametrize(("args", "fragment"), [
    (["--frames", "0"], "--frames 0: give 1 to 10000 frames per condition"),
    (["--frames", "-3"], "--frames -3: give 1 to 10000"),
    (["--frames", "10000000"], "--frames 10000000: give 1 to 10000"),
    (["--jobs", "0"], "--jobs 0: give 1 to 64 worker processes"),
    (["--jobs", "1000"], "--jobs 1000: give 1 to 64"),
    (["--condition", "fog"], "unknown condition 'fog'; known: nominal"),
    (["--decoder", "boofcv"], "unknown decoder 'boofcv'; known: zbar, zxing, opencv, ensemble"),
    (["--plot", "map.jpg"], "--plot map.jpg: the heat map is a PNG"),
])
def test_absurd_arguments(args, fragment):
    assert_one_line_error(invoke("qr-bench", *args), fragment)


def test_report_folder_that_is_a_file(tmp_path: Path):
    taken = tmp_path / "taken"
    taken.write_text("x")
    assert_one_line_error(invoke("qr-bench", "--report", str(taken)), "is a file; give a folder")


def test_frames_that_are_not_a_number():
    result = invoke("qr-bench", "--frames", "many")
    assert result.exit_code == 2 and "'many' is not a valid integer" in result.output
    assert "Traceback" not in result.output


def test_the_table_is_colour_blind_safe_and_its_text_always_readable() -> None:
    from matplotlib.colors import to_hex

    from harness.qr_bench.plot import COLOURMAP, fill, ink

    assert COLOURMAP == "cividis"  # no red-green scale: readable with a red-green deficiency

    def luminance(colour: str) -> float:
        rgb = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    for rate in [i / 20 for i in range(21)]:
        back, text = luminance(to_hex(fill(rate))), luminance(ink(rate))
        contrast = (max(back, text) + 0.05) / (min(back, text) + 0.05)
        assert contrast >= 4.5, (rate, contrast)  # WCAG AA for normal text
