"""Server processes for bench/scale.py: start, wait, measure memory, stop (always).

Each server runs as its own process group on 127.0.0.1, so stopping it also stops whatever it
started (our query workers). Every started process is registered; ``stop_all`` runs at exit,
on Ctrl-C and on SIGTERM, so no server outlives the benchmark.
"""

from __future__ import annotations

import atexit
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

BIN = Path(sys.executable).parent
_RUNNING: list[subprocess.Popen] = []


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(args: list[str], log: Path) -> subprocess.Popen:
    """Start a process in its own process group, output to ``log``; registered for cleanup."""
    handle = log.open("wb")
    process = subprocess.Popen(args, stdout=handle, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, start_new_session=True)
    handle.close()
    _RUNNING.append(process)
    return process


def stop(process: subprocess.Popen, grace: float = 10) -> None:
    """SIGTERM to the process group, SIGKILL after ``grace`` seconds."""
    if process in _RUNNING:
        _RUNNING.remove(process)
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    try:  # workers left behind in the group, or a process that ignored SIGTERM
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=grace)


def stop_all() -> None:
    for process in list(_RUNNING):
        stop(process, grace=3)


def _on_signal(signum: int, frame: object) -> None:
    stop_all()
    raise SystemExit(128 + signum)


def install_cleanup() -> None:
    """Stop every started server at exit, on SIGTERM and on Ctrl-C (SIGINT)."""
    atexit.register(stop_all)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)


def run_timed(args: list[str], log: Path, timeout: float) -> float | None:
    """Run a command to its end; its wall time in seconds, None past ``timeout``.

    Raises RuntimeError (with the log's tail) when it fails.
    """
    started = time.perf_counter()
    process = start(args, log)
    try:
        code = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        stop(process, grace=2)
        return None
    finally:
        if process in _RUNNING:
            _RUNNING.remove(process)
    elapsed = time.perf_counter() - started
    if code != 0 and not (args[1:2] == ["validate"] and code == 1):
        tail = log.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"{' '.join(args)} exited with {code}:\n{tail}")
    return elapsed


# --- memory ------------------------------------------------------------------------------------

def _group_pids(leader: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        if int(fields[2]) == leader:  # the process group id
            pids.append(int(entry))
    return pids


def _kib(path: str, key: str) -> int:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def high_water_mark(pid: int) -> int:
    """VmHWM (peak resident set) of one process, in bytes."""
    return _kib(f"/proc/{pid}/status", "VmHWM") * 1024


def group_pss(leader: int) -> int:
    """Proportional set size of a process group, in bytes: shared pages counted once."""
    return sum(_kib(f"/proc/{pid}/smaps_rollup", "Pss") for pid in _group_pids(leader)) * 1024


@dataclass
class MemorySampler:
    """Samples the group's PSS in the background; the peak is what the machine had to give."""

    leader: int
    interval: float = 0.5
    peak: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> MemorySampler:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, group_pss(self.leader))
            self._stop.wait(self.interval)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.peak = max(self.peak, group_pss(self.leader))


def _busy_ticks() -> int:
    """CPU time the whole machine spent busy, in clock ticks (first line of /proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return user + nice + system + irq + softirq + steal


def _process_ticks(pid: int) -> int:
    """CPU time of a process and its waited-for children, in clock ticks."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    fields = stat[stat.rfind(")") + 2:].split()
    return sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime


@dataclass
class OtherLoad:
    """How much CPU processes other than the benchmark and the server under test used.

    The load average would count the benchmark's own client threads; this does not. The
    share is of all cores over the measured time: 0 % is an undisturbed run.
    """

    leader: int
    share: float = 0.0

    def _ours(self) -> int:
        return _process_ticks(os.getpid()) + sum(_process_ticks(p)
                                                 for p in _group_pids(self.leader))

    def __enter__(self) -> OtherLoad:
        self._started = time.monotonic()
        self._busy, self._own = _busy_ticks(), self._ours()
        return self

    def __exit__(self, *exc: object) -> None:
        hz = os.sysconf("SC_CLK_TCK")
        others = (_busy_ticks() - self._busy) - (self._ours() - self._own)
        elapsed = time.monotonic() - self._started
        self.share = max(0.0, others / hz / (elapsed * (os.cpu_count() or 1)))


# --- servers -----------------------------------------------------------------------------------

@dataclass
class Server:
    """One SPARQL server under test: how to start it and where its query endpoint is."""

    name: str
    args: list[str]
    endpoint_path: str
    port: int
    log: Path
    ready_timeout: float = 1800
    # Files POSTed to the server once it answers: (file, media type, graph IRI or None).
    preload: list[tuple[Path, str, str | None]] = field(default_factory=list)
    process: subprocess.Popen | None = None
    ready_seconds: float = 0.0

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.endpoint_path}"

    def start(self) -> None:
        started = time.perf_counter()
        self.process = start(self.args, self.log)
        probe = self.endpoint + "?" + urllib.parse.urlencode({"query": "ASK {}"})
        deadline = started + self.ready_timeout
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                tail = self.log.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{tail}")
            try:
                with urllib.request.urlopen(probe, timeout=5):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError(f"{self.name} did not answer within {self.ready_timeout:g} s")
        for path, media_type, graph in self.preload:
            self._post_file(path, media_type, graph)
        self.ready_seconds = time.perf_counter() - started

    def _post_file(self, path: Path, media_type: str, graph: str | None) -> None:
        """Load a file over the Graph Store protocol (POST /store), streamed from disk."""
        query = "?" + urllib.parse.urlencode({"graph": graph}) if graph else ""
        with path.open("rb") as body:
            request = urllib.request.Request(
                f"http://127.0.0.1:{self.port}/store{query}", data=body, method="POST",
                headers={"Content-Type": media_type,
                         "Content-Length": str(path.stat().st_size)})
            with urllib.request.urlopen(request, timeout=self.ready_timeout):
                pass

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def peak_rss(self) -> int:
        return high_water_mark(self.process.pid) if self.process else 0


def ours(name: str, port: int, log: Path, *, data: list[Path] = (), store: Path | None = None,
         timeout: float | None = None) -> Server:
    """`custvalue-kg serve`: in memory with DATA loaded at start, or on a store directory."""
    args = [str(BIN / "custvalue-kg"), "serve", *map(str, data), "--host", "127.0.0.1",
            "--port", str(port)]
    if store is not None:
        args += ["--store", str(store)]
    if timeout is not None:
        args += ["--query-timeout", f"{timeout:g}"]
    return Server(name, args, "/sparql", port, log)


def oxigraph(port: int, log: Path, *, location: Path | None = None,
             preload: list[tuple[Path, str, str | None]] = ()) -> Server:
    """Oxigraph's own server (from PyPI), with the union default graph like our store.

    With ``location`` it serves a store made by ``oxigraph load``; without, it keeps its data
    in memory and gets it by POSTs to its Graph Store endpoint once it answers.
    """
    args = [str(BIN / "oxigraph"), "serve", "--bind", f"127.0.0.1:{port}",
            "--union-default-graph"]
    if location is not None:
        args[2:2] = ["--location", str(location)]
    name = "Oxigraph server, " + ("disk" if location is not None else "memory")
    return Server(name, args, "/query", port, log, preload=list(preload))


def rdflib_endpoint(port: int, files: list[Path], log: Path) -> Server:
    """rdflib-endpoint (from PyPI) over an rdflib Dataset with a union default graph."""
    launcher = Path(__file__).with_name("rdflib_peer.py")
    args = [sys.executable, str(launcher), "--port", str(port), *map(str, files)]
    return Server("rdflib-endpoint", args, "/", port, log)
