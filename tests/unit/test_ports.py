"""`make local` binds the documented ports or refuses with a message naming the fix; it never moves."""

import socket
import subprocess
import sys

import pytest

from flashlab import REPO_ROOT
from flashlab.local.servers import PortTakenError, claim_port


@pytest.fixture
def listening():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield server.getsockname()[1]


def test_a_port_in_use_is_refused_naming_the_option(listening):
    with pytest.raises(PortTakenError, match=f"127.0.0.1:{listening} is taken.*--port PORT"):
        claim_port(listening, "--port")


def test_a_port_left_in_time_wait_by_the_last_run_is_claimed_again():
    # GIVEN a server that answered a client and closed first: its port sits in TIME_WAIT
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        client = socket.create_connection(("127.0.0.1", port))
        accepted, _ = server.accept()
        accepted.close()  # the server side closes first, as after `make local` stops
        client.recv(1)
        client.close()
    # THEN the same port is claimed, not swapped for another
    assert claim_port(port, "--port") == port


def test_port_zero_picks_a_free_port():
    assert claim_port(0, "--port") > 0


def test_make_local_on_a_taken_port_exits_with_the_fix(listening):
    run = subprocess.run(
        [sys.executable, "-m", "flashlab.local", "--port", str(listening)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert f"127.0.0.1:{listening} is taken" in run.stderr
    assert "--port PORT" in run.stderr
    assert "ready" not in run.stdout
