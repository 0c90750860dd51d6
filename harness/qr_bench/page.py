"""The HTML page of a matrix: one self-contained file (inline CSS, the heat map inlined as data).

Rendered from the package template ``templates/qr_bench.html.j2`` with autoescaping on; it
fetches nothing, so it can be mailed or archived as is. Next to it: ``matrix.json`` and
``heat_map.png``.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined
from matplotlib.colors import to_hex

from harness.qr_bench.matrix import Matrix
from harness.qr_bench.plot import fill, heat_map_png, ink
from harness.qr_bench.targets import Target
from harness.qr_bench.versions import library_versions


def _colour(rate: float) -> str:
    """Cell background: the heat map's colour for ``rate`` (colour-blind safe, see ``plot``)."""
    return to_hex(fill(rate))


def render_page(matrix: Matrix, targets: list[Target], png: bytes) -> str:
    """The page as text."""
    env = Environment(loader=PackageLoader("harness.qr_bench", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["colour"] = _colour
    env.filters["ink"] = ink
    return env.get_template("qr_bench.html.j2").render(
        matrix=matrix, targets=targets, versions=library_versions(),
        heat_map=base64.b64encode(png).decode("ascii"))


def write_report(matrix: Matrix, targets: list[Target], directory: Path) -> Path:
    """Write ``index.html``, ``heat_map.png`` and ``matrix.json`` into ``directory``; the page's path."""
    directory.mkdir(parents=True, exist_ok=True)
    png = heat_map_png(matrix)
    (directory / "heat_map.png").write_bytes(png)
    data = {**matrix.to_json(), "targets": [t.__dict__ for t in targets], "versions": library_versions()}
    (directory / "matrix.json").write_text(json.dumps(data, indent=2), encoding="utf-8")
    page = directory / "index.html"
    page.write_text(render_page(matrix, targets, png), encoding="utf-8")
    return page
