"""Shared fixtures: the tiny hand-made knowledge base and the built-in engine (loaded once per session)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from curbside.engine import Engine

FIXTURE_KB = Path(__file__).parent / "fixtures" / "kb"


@pytest.fixture(scope="session", autouse=True)
def curbside_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Tests never write to the user's real CURBSIDE_HOME."""
    home = tmp_path_factory.mktemp("curbside-home")
    mp = pytest.MonkeyPatch()
    mp.setenv("CURBSIDE_HOME", str(home))
    yield home  # type: ignore[misc]
    mp.undo()


@pytest.fixture(scope="session")
def tiny_engine() -> Engine:
    return Engine.load(FIXTURE_KB)


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine.load()


# ---------------------------------------------------------------------------------------------------------------
# A real PostgreSQL server for the library and care tests, started when the machine has one (Debian's
# postgresql package); otherwise those tests skip with the reason. CURBSIDE_TEST_POSTGRES_URL uses an existing one.


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    if os.environ.get("CURBSIDE_TEST_POSTGRES_URL"):
        yield os.environ["CURBSIDE_TEST_POSTGRES_URL"]
        return
    bindir = next((p for p in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
                   if (p / "initdb").exists()), None) if Path("/usr/lib/postgresql").exists() else None
    if bindir is None:
        pytest.skip("no PostgreSQL server on this machine (Debian's postgresql package provides one)")
    as_postgres: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            pytest.skip("running as root without runuser: cannot start PostgreSQL as another user")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    tmp = Path(tempfile.mkdtemp(prefix="curbside-pg-"))
    if as_postgres:
        shutil.chown(tmp, "postgres")
    data, port = tmp / "data", _free_port()
    try:
        subprocess.run([*as_postgres, str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                        "-E", "UTF8"], check=True, capture_output=True, timeout=120)
        subprocess.run([*as_postgres, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(tmp / "log"), "-w", "-o",
                        f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1", "start"],
                       check=True, capture_output=True, timeout=120)
    except (subprocess.CalledProcessError, OSError, subprocess.TimeoutExpired) as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        pytest.skip(f"could not start a PostgreSQL server: {exc}")
    url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            _ping(url)
            break
        except Exception:
            time.sleep(0.3)
    yield url
    subprocess.run([*as_postgres, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
                   capture_output=True, timeout=60)
    shutil.rmtree(tmp, ignore_errors=True)




def _ping(url: str) -> None:
    import psycopg

    psycopg.connect(url, connect_timeout=2).close()
