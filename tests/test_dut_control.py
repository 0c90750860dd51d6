"""DUT controls: a person (prompt), a command per action, a simulator's control channel."""

from __future__ import annotations

import io
import json
import socket
import sys

import pytest

from harness.dut.control import (
    ApiControl,
    CommandControl,
    ControlError,
    InProcessControl,
    OperatorAbsent,
    PromptControl,
)
from harness.dut.control_server import ControlServer


def test_command_control_runs_the_template_with_placeholders(tmp_path) -> None:
    marker = tmp_path / "tapped"
    control = CommandControl({"tap": f"{sys.executable} -c \"open('{{path}}', 'w').write('ok')\""}, 10)
    control.perform("tap", path=str(marker))
    assert marker.read_text() == "ok"


@pytest.mark.parametrize(("actions", "message"), [
    ({"tap": "false"}, "exited with 1"),
    ({"tap": "/no/such/program"}, "not found"),
    ({"tap": f"{sys.executable} -c 'import time; time.sleep(5)'"}, "did not finish within 0.3 s"),
    ({"tap": "echo {missing}"}, "bad placeholder"),
    ({}, "no command for 'tap'"),
])
def test_command_control_failures_name_the_cause(actions: dict[str, str], message: str) -> None:
    with pytest.raises(ControlError, match=message):
        CommandControl(actions, 0.3).perform("tap")


def test_prompt_control_waits_for_enter() -> None:
    out = io.StringIO()
    PromptControl(5, present=True, stdin=io.StringIO("\n"), stdout=out).perform("lock")
    assert "Lock the apCV app" in out.getvalue()


def test_prompt_control_without_a_person_says_so() -> None:
    with pytest.raises(OperatorAbsent, match="needs a person to: take the phone off the reader"):
        PromptControl(5, present=False).perform("remove")


def test_prompt_control_times_out_when_nobody_answers() -> None:
    reader, writer = socket.socketpair()
    with reader, writer, reader.makefile("r") as stdin, pytest.raises(ControlError, match=r"within 0\.2 s"):
        PromptControl(0.2, present=True, stdin=stdin, stdout=io.StringIO()).perform("tap")


def test_in_process_control_names_what_it_can_do() -> None:
    done = []
    control = InProcessControl({"lock": lambda: done.append("lock")})
    control.perform("lock")
    assert done == ["lock"]
    with pytest.raises(ControlError, match=r"cannot 'tap' \(it can: lock\)"):
        control.perform("tap")


@pytest.fixture
def server():
    state = {"locked": False}

    def refuse() -> None:
        from apcv.errors import ApcvError

        raise ApcvError("no phone on the reader")

    srv = ControlServer("tcp://127.0.0.1:0", {"lock": lambda: state.update(locked=True), "tap": refuse},
                        lambda: dict(state))
    yield srv, state
    srv.close()


def test_api_control_drives_a_control_server(server) -> None:
    srv, state = server
    control = ApiControl(srv.url, 5)
    control.perform("lock")
    assert state["locked"] is True
    assert control.request({"action": "status"}) == {"ok": True, "locked": True}
    with pytest.raises(ControlError, match="'tap' failed: no phone on the reader"):
        control.perform("tap")
    with pytest.raises(ControlError, match="unknown action 'fly'"):
        control.perform("fly")


@pytest.mark.parametrize(("raw", "error"), [
    (b"not json\n", "a request is a JSON object"),
    (b"[1, 2]\n", "unknown action None"),
    (b"x" * 70_000, "a request is one line"),
])
def test_control_server_answers_bad_requests(server, raw: bytes, error: str) -> None:
    srv, _ = server
    host, port = srv.url.removeprefix("tcp://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(raw)
        answer = json.loads(sock.makefile("rb").readline())
    assert answer["ok"] is False and error in answer["error"]


def test_api_control_reports_an_absent_channel() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ControlError, match=f"control channel tcp://127.0.0.1:{port}"):
        ApiControl(f"tcp://127.0.0.1:{port}", 1).perform("tap")
    with pytest.raises(ControlError, match="must be tcp://HOST:PORT"):
        ApiControl("http://x", 1)


def test_a_state_a_test_changed_is_restored_after_it() -> None:
    """A lock (or a removal) still standing when the test ends is undone; one undone by the test
    itself is not done twice; an undo that fails is the reason the run stops."""
    from harness.dut.control import ControlError
    from harness.pytest_plugin.fixtures import DutActions

    done: list[str] = []

    class Recording:
        def perform(self, action: str, **placeholders: str) -> None:
            if action == "tap" and "remove" in done and "fail" in done:
                raise ControlError("nobody put the phone back")
            done.append(action)

    actions = DutActions(Recording())
    actions("lock")
    actions("remove")
    assert actions.restore() is None and done[2:] == ["unlock", "tap"]
    done.clear()
    actions("lock")
    actions("unlock")
    assert actions.restore() is None and done == ["lock", "unlock"]
    done[:] = ["fail"]
    actions("remove")
    assert actions.restore() == ("the device could not be put back in its state (tap): "
                                 "nobody put the phone back")


def test_an_act_the_app_refused_is_given_back_to_the_test() -> None:
    """``dut_act`` returns the app's message for an act the app refused, None for one done."""
    from harness.pytest_plugin.fixtures import DutActions

    class Refusing:
        def perform(self, action: str, **placeholders: str) -> str | None:
            return "the secret code must be exactly 4 digits" if placeholders.get("code") == "12345" else None

    actions = DutActions(Refusing())
    assert actions("reactivate", code="12345") == "the secret code must be exactly 4 digits"
    assert actions("reactivate", code="0000") is None
    assert actions.restore() is None
