"""Start the web app in a child process (for simulators, benchmarks and tests that need a
real server on loopback)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx


def free_port() -> int:
    """A TCP port on loopback that is free now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_app_server(database_url: str, workers: int = 1, port: int | None = None,
                     **env: str) -> tuple[subprocess.Popen[bytes], str]:
    """Run the app under uvicorn on loopback against ``database_url`` (extra SHAILOO_*
    settings in ``env``); return the process and its base URL once /healthz answers."""
    port = port or free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "shailoo.web.app:create_server_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
         "--log-level", "warning", "--no-access-log"],
        env=dict(os.environ, SHAILOO_DATABASE_URL=database_url, **env))
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with status {server.returncode}")
        try:
            httpx.get(base + "/healthz", timeout=1)
            return server, base
        except httpx.TransportError:
            time.sleep(0.1)
    server.terminate()
    raise RuntimeError("the server did not answer /healthz within a minute")
