"""The small AST mutator of benchmarks/mutation_score.py: one change per mutant, messages and
docstrings left alone, and the hook that loads a mutant in every process of a plan's run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "mutation"
sys.path.insert(0, str(BENCH))

from mutants import mutants  # noqa: E402

SOURCE = '''"""Docstring 1."""


def check(tries: int, code: str) -> bool:
    """Docstring 2."""
    if tries <= 3 and not code.isdigit():
        raise ValueError(f"code {code} has {len('abc')} letters" if tries == 0 else "no code")
    record(tries + 1)
    flag = True  # pragma: no mutate
    return code in ("0000", "1234")
'''

NAMED = '''def late(now: float, until: float | None) -> bool:
    return until is not None and now < until  # pragma: no mutate: Lt -> LtE; returns None
'''


def test_each_operator_makes_one_change() -> None:
    changes = sorted(m.change for m in mutants("demo", "demo.py", SOURCE))
    assert changes == sorted([
        "LtE -> Lt", "3 -> 4", "And -> Or", "not dropped", "+ -> -", "1 -> 2",
        "call dropped: record(tries + 1)", "In -> NotIn",
        "returns None instead of code in ('0000', '1234')",
    ])
    for mutant in mutants("demo", "demo.py", SOURCE):
        compile(mutant.source, "demo.py", "exec")
        assert '"""Docstring 1."""' in mutant.source or "'Docstring 1.'" in mutant.source
        assert "has {len('abc')} letters" in mutant.source


def test_a_pragma_naming_changes_keeps_out_those_changes_only() -> None:
    assert sorted(m.change for m in mutants("demo", "demo.py", NAMED)) == ["And -> Or", "IsNot -> Is"]


def test_the_hook_loads_the_mutant_in_a_child_process(tmp_path: Path) -> None:
    package = tmp_path / "demo_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "mod.py").write_text("VALUE = 1\n")
    mutated = tmp_path / "mutant.py"
    mutated.write_text("VALUE = 2\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(BENCH / "hook"), str(tmp_path)]),
           "APCV_MUTANT_MODULE": "demo_pkg.mod", "APCV_MUTANT_SOURCE": str(mutated)}
    script = "import subprocess, sys; import demo_pkg.mod as m; print(m.VALUE); " \
             "print(subprocess.run([sys.executable, '-c', 'import demo_pkg.mod as m; print(m.VALUE)'], " \
             "capture_output=True, text=True).stdout.strip())"
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60,
                          check=True)
    assert done.stdout.split() == ["2", "2"]
