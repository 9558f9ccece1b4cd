"""Children that end with the hub: the parent-death signal, the thread it is tied to, and SIGTERM as an exit."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from overture.workflows.child_process import exit_on_termination, spawn
from overture.workflows.engine_host import pid_alive, wait_gone

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")


def _python(code: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


@linux_only
def test_a_child_dies_when_its_parent_is_killed() -> None:
    parent = _python(
        """
        import time
        from overture.workflows.child_process import spawn
        child = spawn(["sleep", "60"])
        print(child.pid, flush=True)
        time.sleep(60)
        """
    )
    try:
        assert parent.stdout is not None
        child_pid = int(parent.stdout.readline())
        assert pid_alive(child_pid)
        parent.kill()  # SIGKILL: the parent runs no code at all
        parent.wait(10)
        assert wait_gone(child_pid, 5), "the child outlived its SIGKILLed parent"
    finally:
        parent.kill()
        parent.communicate(timeout=10)


@linux_only
def test_a_child_started_from_a_thread_that_ends_keeps_running() -> None:
    """The kernel ties the parent-death signal to the forking thread: a short-lived one must not take the child."""
    started: list[subprocess.Popen[bytes]] = []
    thread = threading.Thread(target=lambda: started.append(spawn(["sleep", "30"])))
    thread.start()
    thread.join(10)
    (child,) = started
    try:
        time.sleep(0.3)  # time for a parent-death signal to arrive, if one were coming
        assert child.poll() is None, "the child died with the thread that asked for it"
    finally:
        child.kill()
        child.wait(10)


def test_spawn_raises_what_popen_raises_from_any_thread(tmp_path: Path) -> None:
    errors: list[BaseException] = []

    def start() -> None:
        try:
            spawn([str(tmp_path / "no-such-program")])
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=start)
    thread.start()
    thread.join(10)
    assert len(errors) == 1 and isinstance(errors[0], FileNotFoundError)


def test_the_first_sigterm_exits_and_later_ones_cannot_cut_the_cleanup_short() -> None:
    hub = _python(
        """
        import os, signal, time
        from overture.workflows.child_process import exit_on_termination
        with exit_on_termination():
            try:
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(5)
                print("not interrupted", flush=True)
            finally:
                os.kill(os.getpid(), signal.SIGTERM)  # a second one, while cleaning up
                time.sleep(0.2)
                print("cleaned up", flush=True)
        """
    )
    out, err = hub.communicate(timeout=20)
    assert out.split() == ["cleaned", "up"], err
    assert hub.returncode == 128 + signal.SIGTERM


def test_outside_the_block_sigterm_is_left_as_it_was() -> None:
    handler = signal.getsignal(signal.SIGTERM)
    with exit_on_termination():
        assert signal.getsignal(signal.SIGTERM) is not handler
    assert signal.getsignal(signal.SIGTERM) is handler
