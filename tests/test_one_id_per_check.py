"""Failures name the right requirement: a conformance test tagged with several requirement ids
checks each of them inside ``with blame(ID)`` (one id per check), so a failure marks only the
requirement whose check failed, and the others are judged on their own."""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import scenarios.conformance
from harness.rig import RIGS_DIR

CONFORMANCE = Path(scenarios.conformance.__file__).parent


def _tests() -> Iterator[tuple[str, object, set[str]]]:
    """(name, function, every requirement id it can carry, with its parameters' marks)."""
    for path in sorted(CONFORMANCE.rglob("test_*.py")):
        module = importlib.import_module(".".join(path.relative_to(CONFORMANCE.parent.parent)
                                                  .with_suffix("").parts))
        for name, function in sorted(vars(module).items()):
            if not name.startswith("test_") or not inspect.isfunction(function):
                continue
            marks = getattr(function, "pytestmark", [])
            own = {i for m in marks if m.name == "apcv_requirement" for i in m.args}
            per_param = [{i for mk in getattr(p, "marks", ()) if mk.name == "apcv_requirement"
                          for i in mk.args} for m in marks if m.name == "parametrize" for p in m.args[1]]
            widest = max(per_param, key=len, default=set())
            yield f"{path.relative_to(CONFORMANCE)}::{name}", function, own | widest


def _unblamed_asserts(function: object) -> list[int]:
    """Line numbers of the asserts of ``function`` that are not inside ``with blame(...)``."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    outside: list[int] = []

    def visit(node: ast.AST, blamed: bool) -> None:
        if isinstance(node, ast.With):
            blamed = blamed or any(isinstance(item.context_expr, ast.Call)
                                   and getattr(item.context_expr.func, "id", "") == "blame"
                                   for item in node.items)
        if isinstance(node, ast.Assert | ast.Raise) and not blamed:
            outside.append(node.lineno)
        for child in ast.iter_child_nodes(node):
            visit(child, blamed)

    visit(tree, False)
    return outside


def _interleaved(function: object) -> list[str]:
    """Requirement ids whose ``blame`` blocks come back after another id's block: a failure in
    between would leave them judged passed on half their checks."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    order = [call.args[0].value for call in ast.walk(tree)
             if isinstance(call, ast.Call) and getattr(call.func, "id", "") == "blame"
             and call.args and isinstance(call.args[0], ast.Constant)]
    runs = [ident for i, ident in enumerate(order) if i == 0 or order[i - 1] != ident]
    return sorted({ident for ident in runs if runs.count(ident) > 1})


def test_every_check_of_a_test_with_several_ids_blames_one_of_them() -> None:
    several = [(name, function) for name, function, ids in _tests() if len(ids) > 1]
    assert several, "no conformance test carries several requirement ids: the guard guards nothing"
    unblamed = {name: lines for name, function in several if (lines := _unblamed_asserts(function))}
    assert not unblamed, f"asserts outside `with blame(ID)` in tests with several ids: {unblamed}"
    split = {name: ids for name, function in several if (ids := _interleaved(function))}
    assert not split, f"an id's blame blocks are split by another's: {split}"


def test_the_guard_sees_an_unblamed_assert_and_split_blocks() -> None:
    def test_two(blame):
        with blame("A"):
            assert 1
        with blame("B"):
            assert 2
        with blame("A"):
            assert 3
        assert 4

    assert _unblamed_asserts(test_two) == [8]  # lines of the dedented source, the def on line 1
    assert _interleaved(test_two) == ["A"]


def _cli_run(tmp_path: Path, rig: Path, keyword: str) -> dict:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "harness.cli", "run", "--rig", str(rig), "--role", "phone",
                           "-k", keyword, "--report", str(tmp_path / "r")], capture_output=True, text=True,
                          timeout=600, cwd=tmp_path, check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    return json.loads((tmp_path / "r" / "results.json").read_text())


@pytest.mark.parametrize(("variant", "failed", "apart", "apart_verdict"), [
    ("phone-forged-beneficiary", "APCV-NFC-028", "APCV-NFC-022", "passed"),  # its check ran first
    ("phone-uncertified-key", "APCV-NFC-022", "APCV-NFC-028", "not_judged"),  # its check never ran
])
def test_a_test_with_two_ids_failing_one_check_fails_one_requirement(tmp_path: Path, variant: str,
                                                                     failed: str, apart: str,
                                                                     apart_verdict: str) -> None:
    """The phone's card-data test carries APCV-NFC-022 (the insurer signed the card data, valid now)
    and APCV-NFC-028 (each item is one the insurer signed): a phone that breaks one fails that one
    only; the other passes when its check ran and passed, and is not judged when it never ran."""
    rig = tmp_path / "variant.yaml"
    rig.write_text((RIGS_DIR / "software.yaml").read_text(encoding="utf-8")
                   + f"dut:\n  role: phone\n  variant: {variant}\n", encoding="utf-8")
    record = _cli_run(tmp_path, rig, "card_data_is_signed or select_apcv")
    verdicts = record["summary"]["requirements"]
    assert verdicts[failed] == "failed"
    assert verdicts[apart] == apart_verdict
    [result] = [r for r in record["results"] if "card_data_is_signed" in r["nodeid"]]
    assert result["outcome"] == "failed" and result["blamed"] == failed
