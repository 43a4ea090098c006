"""Every action code the program writes to the audit log has a Chinese name.

The codes are collected from the source: every call of `log_event` (and the "action" of
each event dict given to `log_events`), following an action
passed through a variable to the constants assigned to it or given at the call sites of the
function whose parameter it is.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from desktop_app.models.labels import ACTION_TEXT
from desktop_app.services import audit

PACKAGE = Path(__file__).resolve().parent.parent / "desktop_app"


class _Function:
    def __init__(self, node: ast.FunctionDef, module: str) -> None:
        self.node = node
        self.module = module
        self.params = [a.arg for a in node.args.posonlyargs + node.args.args]
        self.keyword_only = [a.arg for a in node.args.kwonlyargs]


def _functions() -> list[_Function]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                found.append(_Function(node, str(path.relative_to(PACKAGE))))
    return found


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _argument(call: ast.Call, position: int, name: str) -> ast.expr | None:
    if len(call.args) > position and not any(isinstance(a, ast.Starred) for a in call.args):
        return call.args[position]
    return next((k.value for k in call.keywords if k.arg == name), None)


def _calls(function: _Function) -> Iterator[ast.Call]:
    # Calls in the function's own body, not in functions nested in it.
    stack: list[ast.AST] = list(function.node.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        if isinstance(node, ast.Call):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def _constants(
    node: ast.expr | None, where: _Function, functions: list[_Function], depth: int = 0
) -> set[str]:
    """The string constants that `node` (an action argument inside `where`) can be."""
    assert node is not None, f"{where.module}: log_event without an action"
    assert depth < 4, f"{where.module}: action passed through too many functions"
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _constants(node.body, where, functions, depth) | _constants(
            node.orelse, where, functions, depth
        )
    assert isinstance(node, ast.Name), (
        f"{where.module}:{node.lineno}: the action must be a constant, a conditional of "
        "constants or a variable holding them"
    )
    values: set[str] = set()
    for statement in ast.walk(where.node):
        if isinstance(statement, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == node.id for t in statement.targets
        ):
            values |= _constants(statement.value, where, functions, depth)
    if node.id in where.params + where.keyword_only:
        position = where.params.index(node.id) if node.id in where.params else 10**6
        callers = 0
        for caller in functions:
            for call in _calls(caller):
                if _called_name(call) == where.node.name:
                    callers += 1
                    argument = _argument(call, position, node.id)
                    values |= _constants(argument, caller, functions, depth + 1)
        assert callers, f"{where.module}: {where.node.name} is never called"
    assert values, f"{where.module}:{node.lineno}: no value found for {node.id}"
    return values


def logged_actions() -> dict[str, set[str]]:
    """Action code → the modules that log it."""
    functions = _functions()
    actions: dict[str, set[str]] = {}
    for function in functions:
        for call in _calls(function):
            name = _called_name(call)
            if name == "log_events" and function.node.name != "log_events":
                # Several events at once: each a dict literal with its "action".
                events = _argument(call, 2, "events")
                assert events is not None, f"{function.module}: log_events without events"
                given = [
                    value
                    for node in ast.walk(events)
                    if isinstance(node, ast.Dict)
                    for key, value in zip(node.keys, node.values, strict=True)
                    if isinstance(key, ast.Constant) and key.value == "action"
                ]
                assert given, f"{function.module}: log_events without an action in a dict"
                for value in given:
                    for action in _constants(value, function, functions):
                        actions.setdefault(action, set()).add(function.module)
            if name != "log_event" or function.node.name == "log_event":
                continue
            for action in _constants(_argument(call, 2, "action"), function, functions):
                actions.setdefault(action, set()).add(function.module)
    return actions


def test_every_logged_action_has_a_chinese_name() -> None:
    actions = logged_actions()
    # The scan finds the program's audited actions (a scan that found nothing would pass).
    assert {"check", "login", "list_import", "catalog_import", "setting_change"} <= set(actions)
    missing = {action: modules for action, modules in actions.items() if action not in ACTION_TEXT}
    assert missing == {}
    assert all(audit.action_text(action) != action for action in actions)


def test_every_chinese_action_name_is_for_an_action_that_is_logged() -> None:
    assert set(ACTION_TEXT) - set(logged_actions()) == set()
