"""A small AST mutator: every single-point mutant of a module's code.

Operators (one change per mutant): a comparison swapped (``<``/``<=``, ``>``/``>=``,
``==``/``!=``, ``in``/``not in``, ``is``/``is not``), ``and``/``or`` swapped, a ``not`` dropped,
an integer constant moved by one, a boolean flipped, ``+``/``-`` swapped, a call statement
replaced by ``pass``, a ``return VALUE`` returning ``None``. Docstrings, annotations and the
text of raised errors (the wording of a message, however it is chosen) are left alone; so are
lines marked ``# pragma: no mutate`` (every mutant of the line) or ``# pragma: no mutate: CHANGE``
(only the mutants whose change starts with CHANGE, e.g. ``Lt -> LtE``; several split by ``;``).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass

_COMPARE_SWAP = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
                 ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot,
                 ast.IsNot: ast.Is}


_PRAGMA = re.compile(r"#\s*pragma:\s*no mutate(?::([^#]*))?")


def _kept_out(line: str, change: str) -> bool:
    """True when ``line`` marks ``change`` (or every change of the line) ``# pragma: no mutate``."""
    mark = _PRAGMA.search(line)
    if mark is None:
        return False
    if mark.group(1) is None:
        return True
    return any(change.startswith(named.strip()) for named in mark.group(1).split(";") if named.strip())


@dataclass(frozen=True)
class Mutant:
    """One mutant of ``module``: its source and where and what it changed."""

    module: str
    path: str
    line: int
    change: str
    source: str

    @property
    def ident(self) -> str:
        return f"{self.path}:{self.line}: {self.change}"


def _is_text(node: ast.AST) -> bool:
    """True for an expression that can only give text: a string, an f-string, a choice of them."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.IfExp):
        return _is_text(node.body) and _is_text(node.orelse)
    return False


def _sites(tree: ast.Module) -> Iterator[tuple[ast.AST, str, int]]:
    """(node, operator, option) for every place a mutant can be made, in a stable order."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                skipped.add(id(body[0].value))
        if isinstance(node, (ast.arg, ast.AnnAssign)):
            for sub in ast.walk(node.annotation) if node.annotation is not None else ():
                skipped.add(id(sub))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.returns is not None:
            for sub in ast.walk(node.returns):
                skipped.add(id(sub))
        if isinstance(node, (ast.Raise, ast.JoinedStr)):  # messages stay as written
            for sub in ast.walk(node):
                if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                    skipped.add(id(sub))
                if isinstance(sub, ast.IfExp) and _is_text(sub):  # the wording chosen for a message
                    skipped.update(id(part) for part in ast.walk(sub))
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Compare):
            for index, op in enumerate(node.ops):
                if type(op) in _COMPARE_SWAP:
                    yield node, "compare", index
        elif isinstance(node, ast.BoolOp):
            yield node, "boolop", 0
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            yield node, "not", 0
        elif isinstance(node, ast.Constant) and type(node.value) is bool:
            yield node, "bool", 0
        elif isinstance(node, ast.Constant) and type(node.value) is int:
            yield node, "int", 0
        elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
            yield node, "arith", 0
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            yield node, "drop-call", 0
        elif isinstance(node, ast.Return) and node.value is not None and not (
                isinstance(node.value, ast.Constant) and node.value.value is None):
            yield node, "return-none", 0


def _apply(node: ast.AST, operator: str, option: int) -> str:
    """Change ``node`` in place; a one-line description of the change."""
    if operator == "compare":
        assert isinstance(node, ast.Compare)
        old = node.ops[option]
        node.ops[option] = _COMPARE_SWAP[type(old)]()
        return f"{type(old).__name__} -> {type(node.ops[option]).__name__}"
    if operator == "boolop":
        assert isinstance(node, ast.BoolOp)
        old_name = type(node.op).__name__
        node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        return f"{old_name} -> {type(node.op).__name__}"
    if operator == "not":
        return "not dropped"
    if operator == "bool":
        assert isinstance(node, ast.Constant)
        node.value = not node.value
        return f"{not node.value} -> {node.value}"
    if operator == "int":
        assert isinstance(node, ast.Constant)
        node.value += 1
        return f"{node.value - 1} -> {node.value}"
    if operator == "arith":
        assert isinstance(node, ast.BinOp)
        node.op = ast.Sub() if isinstance(node.op, ast.Add) else ast.Add()
        return "+ -> -" if isinstance(node.op, ast.Sub) else "- -> +"
    if operator == "drop-call":
        return f"call dropped: {ast.unparse(node)[:60]}"
    if operator == "return-none":
        return f"returns None instead of {ast.unparse(node.value)[:40]}"  # type: ignore[attr-defined]
    raise ValueError(operator)


class _Replace(ast.NodeTransformer):
    """Replaces the ``target``-th site's node for the operators that swap a node out."""

    def __init__(self, target: ast.AST, operator: str) -> None:
        self.target, self.operator = target, operator

    def generic_visit(self, node: ast.AST) -> ast.AST:
        if node is self.target and self.operator == "not":
            return node.operand  # type: ignore[attr-defined]
        if node is self.target and self.operator == "drop-call":
            return ast.copy_location(ast.Pass(), node)
        if node is self.target and self.operator == "return-none":
            return ast.copy_location(ast.Return(value=None), node)
        return super().generic_visit(node)


def mutants(module: str, path: str, source: str) -> list[Mutant]:
    """Every mutant of ``source`` (the module ``module`` at ``path``), in a stable order."""
    lines = source.splitlines()
    count = sum(1 for _ in _sites(ast.parse(source)))
    found = []
    for number in range(count):
        tree = ast.parse(source)
        node, operator, option = list(_sites(tree))[number]
        line = getattr(node, "lineno", 0)
        change = _apply(node, operator, option)
        if line and _kept_out(lines[line - 1], change):
            continue
        tree = _Replace(node, operator).visit(tree)
        ast.fix_missing_locations(tree)
        mutated = ast.unparse(tree)
        if mutated == ast.unparse(ast.parse(source)):
            continue
        found.append(Mutant(module, path, line, change, mutated))
    return found

