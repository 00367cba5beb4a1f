"""The embedded stack's servers on 127.0.0.1: moto's, dynalite (DynamoDB), and the rule for their ports.

A port the user asked for is bound with address reuse (a socket of the last run in TIME_WAIT does not
count as taken); if it is really taken the stack refuses to start and says which option moves it. It
never moves silently: every README command is aimed at the documented ports. Port 0 means any free one.
"""

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from flashlab import REPO_ROOT

DYNALITE = REPO_ROOT / "emulators" / "node_modules" / "dynalite" / "cli.js"


class PortTakenError(RuntimeError):
    pass


def claim_port(port: int, option: str) -> int:
    """``port`` if it can be bound now, else PortTakenError naming ``option``; 0 picks a free port."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn and werkzeug bind
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as exc:
            raise PortTakenError(
                f"127.0.0.1:{port} is taken ({exc.strerror}). Stop whatever listens there "
                f"(`ss -ltnp 'sport = :{port}'` shows it), or choose another port with {option} PORT "
                f'(make local ARGS="{option} PORT"); 0 picks any free port.'
            ) from exc
        return int(probe.getsockname()[1])


class ServerProcess:
    """A child process serving HTTP on 127.0.0.1; ready once it answers anything at all."""

    def __init__(self, name: str, command: list[str], port: int) -> None:
        self.name, self.port = name, port
        self.url = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._wait_ready()

    def _wait_ready(self, timeout_s: float = 30) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}")
            try:
                urllib.request.urlopen(self.url, timeout=1).close()
                return
            except urllib.error.HTTPError:  # an HTTP answer, even an error, means it is serving
                return
            except OSError:
                time.sleep(0.1)
        raise TimeoutError(f"{self.name} on {self.url} did not start")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def moto_server(port: int, option: str = "--aws-port", name: str = "moto") -> ServerProcess:
    port = claim_port(port, option)
    return ServerProcess(
        name, [sys.executable, "-m", "flashlab.local.moto_server", "-H", "127.0.0.1", "-p", str(port)], port
    )


def dynalite_server() -> ServerProcess:
    """DynamoDB in memory (dynalite, installed into emulators/ by `make local`, `make demo`, `make test`)."""
    if not DYNALITE.exists():
        raise RuntimeError(
            f"dynalite is not installed ({DYNALITE} is missing): run `make local` (it installs it), or "
            "`npm ci --prefix emulators`; or keep DynamoDB on moto with --dynamodb moto"
        )
    port = claim_port(0, "")
    command = ["node", str(DYNALITE), "--host", "127.0.0.1", "--port", str(port), "--createTableMs", "0"]
    command += ["--deleteTableMs", "0", "--updateTableMs", "0"]
    return ServerProcess("dynalite", command, port)
