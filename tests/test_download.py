"""Tests for course_utils.download (`python -m course_utils download`).

No test needs the internet: the sources are HTTP servers on 127.0.0.1 serving a temporary
folder, or the real data folder (COURSE_DATA_DIR, else ../shared/data).
"""

import functools
import hashlib
import http.server
import io
import os
import socket
import subprocess
import sys
import tarfile
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from course_utils import config, data, download
from course_utils.__main__ import main

ROOT = Path(__file__).resolve().parents[1]
FAKE_NPZ = bytes(range(256)) * 12_288  # 3 MiB: stands in for mnist.npz, its hash patched
ARCHIVE = "cifar10/cifar-10-python.tar.gz"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves a folder without logging; records each path asked for in `requests`."""

    requests: list

    def log_message(self, format, *args):
        pass

    def send_head(self):
        self.requests.append(self.path)
        return super().send_head()


class CutOffHandler(QuietHandler):
    """Announces the whole file in Content-Length, sends half, then closes the connection."""

    def do_GET(self):
        self.requests.append(self.path)
        body = Path(self.translate_path(self.path)).read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2])
        self.wfile.flush()
        self.close_connection = True


class NoLengthHandler(QuietHandler):
    """Sends the file without a Content-Length (the end is when the connection closes)."""

    def do_GET(self):
        self.requests.append(self.path)
        body = Path(self.translate_path(self.path)).read_bytes()
        self.send_response(200)
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True


class QuietServer(http.server.ThreadingHTTPServer):
    """A server that does not print a traceback when the client hangs up early."""

    def handle_error(self, request, client_address):
        pass


@pytest.fixture
def serve():
    """serve(folder, handler) starts a server on 127.0.0.1; returns its URL and its requests."""
    servers = []

    def start(folder, handler=QuietHandler):
        requests = []
        bound = type("Handler", (handler,), {"requests": requests})
        server = QuietServer(("127.0.0.1", 0), functools.partial(bound, directory=str(folder)))
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}/", requests

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    """An empty Keras cache, and a Keras loader that fails the test if it is called."""
    home = tmp_path / "keras_home"
    (home / "datasets").mkdir(parents=True)
    monkeypatch.setenv("KERAS_HOME", str(home))

    def unexpected(name):
        raise AssertionError(f"keras.datasets was asked for {name}")

    monkeypatch.setattr(data, "_load_from_keras", unexpected)
    return home / "datasets"


def run(capsys, *args):
    """Run the command in this process; return its exit status, stdout and stderr."""
    status = main(["download", *map(str, args)])
    out, err = capsys.readouterr()
    return status, out, err


def files_under(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def publish(folder, relpath, content, monkeypatch):
    """Write content at folder/relpath and make its SHA-256 the one expected for relpath."""
    path = folder / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    monkeypatch.setitem(download.SHA256, relpath, hashlib.sha256(content).hexdigest())


def assert_one_sentence(err, *names):
    assert err.strip() and "\n" not in err.strip() and "Traceback" not in err
    for name in names:
        assert name in err


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------------------------------
# The real data through a mirror on localhost


def real_data_folder():
    """COURSE_DATA_DIR, else ../shared/data, when it holds both data sets in its subfolders."""
    for candidate in (os.environ.get(config.DATA_DIR_ENV), ROOT.parent / "shared" / "data"):
        if candidate and all(
            any((Path(candidate) / f).is_file() for files in choices for f in files)
            for choices in download._CHOICES.values()
        ):
            return Path(candidate)
    reason = "no folder with mnist/ and cifar10/ data files (COURSE_DATA_DIR, ../shared/data)"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI must run the real-data mirror test, but there is {reason}")
    pytest.skip(f"there is {reason}")


def test_download_mirror_of_real_data_loads_and_second_run_fetches_nothing(
    serve, tmp_path, monkeypatch, capsys
):
    url, requests = serve(real_data_folder())
    target = tmp_path / "room"
    status, out, err = run(capsys, "--to", target, "--mirror", url)
    assert status == 0, err
    assert f"export COURSE_DATA_DIR={target}" in out and "set COURSE_DATA_DIR=" in out
    assert not [f for f in files_under(target) if f.endswith(".part")]

    monkeypatch.setenv(config.DATA_DIR_ENV, str(target))
    (x_train, y_train), (x_test, y_test) = mnist = data.load_mnist(source="local", verbose=False)
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert mnist.source == "local" and mnist.path.is_relative_to(target)
    assert mnist.verified in ("SHA-256 verified", "SHA-256 matches Keras' mnist.npz")
    del x_train, y_train, x_test, y_test, mnist
    (x_train, y_train), (x_test, y_test) = cifar = data.load_cifar10(source="local", verbose=False)
    assert x_train.shape == (50000, 32, 32, 3) and x_test.shape == (10000, 32, 32, 3)
    assert np.bincount(y_test).tolist() == [1000] * 10
    assert cifar.source == "local" and cifar.path.is_relative_to(target)
    assert cifar.verified in ("SHA-256 matches the course's cifar10.npz", "MD5 verified")
    del x_train, y_train, x_test, y_test, cifar

    requests.clear()
    status, out, err = run(capsys, "--to", target, "--mirror", url)
    assert status == 0, err
    assert out.count("already there, verified") == len(files_under(target))
    assert requests == []


# ---------------------------------------------------------------------------------------
# A small source on localhost: sets of files, replacement, interruption


@pytest.mark.parametrize("present", [0, 2])
def test_download_fetches_the_idx_files_when_the_mirror_has_no_npz(
    serve, tmp_path, monkeypatch, capsys, present
):
    idx = [f"mnist/{name}" for name in data.MNIST_IDX_SHA256]
    for relpath in idx:
        publish(tmp_path / "source", relpath, f"stands in for {relpath}".encode(), monkeypatch)
    for relpath in idx[:present]:  # left by an earlier run: kept, not fetched again
        (tmp_path / "out" / "mnist").mkdir(parents=True, exist_ok=True)
        (tmp_path / "out" / relpath).write_bytes((tmp_path / "source" / relpath).read_bytes())
    url, requests = serve(tmp_path / "source")
    status, out, err = run(capsys, "--to", tmp_path / "out", "--mirror", url, "--only", "mnist")
    assert status == 0, err
    asked_first = [] if present else ["/mnist/mnist.npz"]  # a set already begun goes first
    assert requests == [*asked_first, *(f"/{relpath}" for relpath in idx[present:])]
    assert out.count("already there, verified") == present
    assert files_under(tmp_path / "out") == sorted(idx)
    assert "the four IDX files (SHA-256 verified)" in out


def test_download_to_a_folder_from_the_origin(serve, tmp_path, monkeypatch, capsys):
    publish(tmp_path / "source", "mnist/mnist.npz", FAKE_NPZ, monkeypatch)
    url, requests = serve(tmp_path / "source")
    monkeypatch.setitem(download.ORIGINS, "mnist/mnist.npz", f"{url}keras/mnist.npz")
    (tmp_path / "source" / "keras").mkdir()
    (tmp_path / "source" / "mnist" / "mnist.npz").rename(
        tmp_path / "source" / "keras" / "mnist.npz"
    )
    status, out, err = run(capsys, "--to", tmp_path / "out", "--only", "mnist")
    assert status == 0, err
    assert requests == ["/keras/mnist.npz"] and f"from {url}keras/mnist.npz" in out
    assert (tmp_path / "out" / "mnist" / "mnist.npz").read_bytes() == FAKE_NPZ
    assert f"MNIST: {tmp_path / 'out' / 'mnist' / 'mnist.npz'} (SHA-256 verified)" in out


def test_download_origin_without_the_file(serve, tmp_path, monkeypatch, capsys):
    (tmp_path / "source").mkdir()
    url, requests = serve(tmp_path / "source")
    monkeypatch.setitem(download.ORIGINS, "mnist/mnist.npz", f"{url}gone/mnist.npz")
    status, _, err = run(capsys, "--to", tmp_path / "out", "--only", "mnist")
    assert status == 1 and requests == ["/gone/mnist.npz"]
    assert_one_sentence(err, f"{url}gone/mnist.npz does not exist (HTTP 404)")


def test_download_replaces_a_file_that_does_not_verify(serve, tmp_path, monkeypatch, capsys):
    publish(tmp_path / "source", "mnist/mnist.npz", FAKE_NPZ, monkeypatch)
    url, requests = serve(tmp_path / "source")
    damaged = tmp_path / "out" / "mnist" / "mnist.npz"
    damaged.parent.mkdir(parents=True)
    damaged.write_bytes(FAKE_NPZ[:1000])
    status, out, err = run(capsys, "--to", tmp_path / "out", "--mirror", url, "--only", "mnist")
    assert status == 0, err
    assert "does not match; replacing it" in out and requests == ["/mnist/mnist.npz"]
    assert damaged.read_bytes() == FAKE_NPZ and files_under(tmp_path / "out") == ["mnist/mnist.npz"]


def test_download_interrupted_leaves_no_part_file(serve, tmp_path, monkeypatch, capsys):
    publish(tmp_path / "source", "mnist/mnist.npz", FAKE_NPZ, monkeypatch)
    url, _ = serve(tmp_path / "source")

    def interrupt(self, received):
        raise KeyboardInterrupt

    monkeypatch.setattr(download._Progress, "update", interrupt)
    status, _, err = run(capsys, "--to", tmp_path / "out", "--mirror", url, "--only", "mnist")
    assert status == 130 and "Interrupted" in err
    assert files_under(tmp_path / "out") == []


# ---------------------------------------------------------------------------------------
# Damaged or hostile sources: one sentence, exit 1, nothing left behind


def test_download_cut_off_half_way(serve, tmp_path, monkeypatch, capsys):
    publish(tmp_path / "source", "mnist/mnist.npz", FAKE_NPZ, monkeypatch)
    url, requests = serve(tmp_path / "source", CutOffHandler)
    status, _, err = run(capsys, "--to", tmp_path / "out", "--mirror", url, "--only", "mnist")
    assert status == 1 and requests == ["/mnist/mnist.npz"]
    assert_one_sentence(err, "mnist/mnist.npz", f"{url}mnist/mnist.npz")
    assert files_under(tmp_path / "out") == []


def test_download_refuses_wrong_bytes(serve, tmp_path, capsys):
    source = tmp_path / "source" / "mnist"
    source.mkdir(parents=True)
    (source / "mnist.npz").write_bytes(FAKE_NPZ)  # not Keras' mnist.npz
    url, _ = serve(tmp_path / "source")
    status, _, err = run(capsys, "--to", tmp_path / "out", "--mirror", url, "--only", "mnist")
    assert status == 1
    assert_one_sentence(err, "mnist/mnist.npz", f"{url}mnist/mnist.npz", "SHA-256")
    assert files_under(tmp_path / "out") == []


@pytest.mark.parametrize(
    "handler, said",
    [(QuietHandler, "is 3,145,728 bytes, more than"), (NoLengthHandler, "sent more than")],
    ids=["length", "no-length"],
)
def test_download_refuses_more_than_the_bound(serve, tmp_path, monkeypatch, capsys, handler, said):
    publish(tmp_path / "source", "mnist/mnist.npz", FAKE_NPZ, monkeypatch)
    monkeypatch.setitem(download.MAX_BYTES, "mnist/mnist.npz", 1_500_000)
    url, _ = serve(tmp_path / "source", handler)
    status, _, err = run(capsys, "--to", tmp_path / "out", "--mirror", url, "--only", "mnist")
    assert status == 1
    assert_one_sentence(err, "mnist/mnist.npz", f"{url}mnist/mnist.npz", "1,500,000", said)
    assert files_under(tmp_path / "out") == []


# ---------------------------------------------------------------------------------------
# The CIFAR-10 archive


def add_file(tar, name, content=b"", **fields):
    info = tarfile.TarInfo(name)
    info.size = len(content)
    for key, value in fields.items():
        setattr(info, key, value)
    tar.addfile(info, io.BytesIO(content) if content else None)


def serve_archive(serve, tmp_path, monkeypatch, extra=None, skip=()):
    """Serve a small cifar-10-python.tar.gz whose hashes are made the expected ones."""
    batches = {name: f"pickle of {name}".encode() for name in data.CIFAR10_BATCH_MD5}
    monkeypatch.setattr(
        data, "CIFAR10_BATCH_MD5", {n: hashlib.md5(b).hexdigest() for n, b in batches.items()}
    )
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        add_file(tar, "cifar-10-batches-py", type=tarfile.DIRTYPE, mode=0o755)
        for name, content in batches.items():
            if name not in skip:
                add_file(tar, f"cifar-10-batches-py/{name}", content)
        add_file(tar, "cifar-10-batches-py/batches.meta", b"meta")
        if extra:
            extra(tar)
    publish(tmp_path / "source", ARCHIVE, buffer.getvalue(), monkeypatch)
    return serve(tmp_path / "source")


def test_download_extracts_the_archive_and_keeps_it(serve, tmp_path, monkeypatch, capsys):
    url, requests = serve_archive(serve, tmp_path, monkeypatch)
    out_dir = tmp_path / "out"
    status, out, err = run(capsys, "--to", out_dir, "--mirror", url, "--only", "cifar10")
    assert status == 0, err
    assert requests == ["/cifar10/cifar10.npz", f"/{ARCHIVE}"]
    batches = out_dir / "cifar10" / "cifar-10-batches-py"
    assert files_under(out_dir) == sorted(
        [
            ARCHIVE,
            *(
                f"cifar10/cifar-10-batches-py/{n}"
                for n in [*data.CIFAR10_BATCH_MD5, "batches.meta"]
            ),
        ]
    )
    assert (batches / "test_batch").read_bytes() == b"pickle of test_batch"

    requests.clear()
    (batches / "data_batch_3").unlink()  # extracted again from the kept archive, offline
    status, out, err = run(capsys, "--to", out_dir, "--mirror", url, "--only", "cifar10")
    assert status == 0, err
    assert f"{ARCHIVE}: already there, verified" in out and "Extracting" in out
    assert (batches / "data_batch_3").is_file() and requests == []


def symlink(tar):
    add_file(tar, "cifar-10-batches-py/readme.html", type=tarfile.SYMTYPE, linkname="/etc/passwd")


def hardlink(tar):
    add_file(tar, "cifar-10-batches-py/readme.html", type=tarfile.LNKTYPE, linkname="../../evil")


def fifo(tar):
    add_file(tar, "cifar-10-batches-py/readme.html", type=tarfile.FIFOTYPE)


@pytest.mark.parametrize(
    "extra, named",
    [
        (lambda tar: add_file(tar, "../evil", b"x"), "'../evil'"),
        (lambda tar: add_file(tar, "cifar-10-batches-py/../../evil", b"x"), "../../evil"),
        (lambda tar: add_file(tar, "/tmp/evil", b"x"), "'/tmp/evil'"),
        (lambda tar: add_file(tar, "evil/test_batch", b"pickle of test_batch"), "evil/test_batch"),
        (lambda tar: add_file(tar, "cifar-10-batches-py/evil.py", b"x"), "evil.py"),
        (symlink, "a link"),
        (hardlink, "a link"),
        (fifo, "not a regular file"),
        (lambda tar: add_file(tar, "cifar-10-batches-py/data_batch_1", b"bad"), "MD5"),
    ],
    ids=[
        "dotdot",
        "dotdot-inside",
        "absolute",
        "other-folder",
        "unexpected",
        "symlink",
        "hardlink",
        "fifo",
        "md5",
    ],
)
def test_download_refuses_a_hostile_archive(serve, tmp_path, monkeypatch, capsys, extra, named):
    url, _ = serve_archive(serve, tmp_path, monkeypatch, extra)
    out_dir = tmp_path / "out"
    status, _, err = run(capsys, "--to", out_dir, "--mirror", url, "--only", "cifar10")
    assert status == 1
    assert_one_sentence(err, named, "cifar-10-python.tar.gz", url)
    assert files_under(out_dir) == [] and list((out_dir / "cifar10").iterdir()) == []
    assert not list(tmp_path.rglob("evil*"))


def test_download_refuses_an_archive_without_every_batch(serve, tmp_path, monkeypatch, capsys):
    url, _ = serve_archive(serve, tmp_path, monkeypatch, skip=("test_batch",))
    status, _, err = run(capsys, "--to", tmp_path / "out", "--mirror", url, "--only", "cifar10")
    assert status == 1
    assert_one_sentence(err, "['test_batch']", url)
    assert files_under(tmp_path / "out") == []


def test_download_refuses_an_oversized_member(serve, tmp_path, monkeypatch, capsys):
    url, _ = serve_archive(serve, tmp_path, monkeypatch)
    monkeypatch.setattr(data, "CIFAR10_BATCH_MAX_BYTES", 10)
    status, _, err = run(capsys, "--to", tmp_path / "out", "--mirror", url, "--only", "cifar10")
    assert status == 1
    assert_one_sentence(err, "data_batch_1", "(at most 10)", url)
    assert files_under(tmp_path / "out") == []


# ---------------------------------------------------------------------------------------
# No network, the Keras cache, arguments


def refuse_dns(monkeypatch):
    def no_dns(address, timeout=None):
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(download.socket, "create_connection", no_dns)


@pytest.mark.parametrize("to", [True, False], ids=["to", "keras-cache"])
def test_download_offline_fails_at_once(tmp_path, keras_home, monkeypatch, capsys, to):
    refuse_dns(monkeypatch)
    args = ["--to", tmp_path / "out"] if to else []
    start = time.monotonic()
    status, out, err = run(capsys, *args)
    assert time.monotonic() - start < 3
    assert status == 1 and "Traceback" not in out
    assert_one_sentence(
        err, "No network: could not reach storage.googleapis.com", "COURSE_DATA_DIR"
    )
    assert not (tmp_path / "out").exists() and list(keras_home.iterdir()) == []


def test_download_closed_origin_port_fails_at_once(tmp_path, monkeypatch, capsys):
    origin = f"http://127.0.0.1:{closed_port()}/mnist.npz"
    monkeypatch.setitem(download.ORIGINS, "mnist/mnist.npz", origin)
    start = time.monotonic()
    status, _, err = run(capsys, "--to", tmp_path / "out", "--only", "mnist")
    assert time.monotonic() - start < 3 and status == 1
    assert_one_sentence(err, "could not reach 127.0.0.1", "connection was refused")


def test_download_unreachable_mirror(tmp_path, capsys):
    mirror = f"http://127.0.0.1:{closed_port()}/"
    status, _, err = run(capsys, "--to", tmp_path / "out", "--mirror", mirror)
    assert status == 1
    assert_one_sentence(err, "Could not reach the mirror 127.0.0.1", "http.server")


def test_download_really_offline_in_a_subprocess(tmp_path):
    try:  # this machine has no internet; elsewhere the real download would run
        socket.create_connection(("storage.googleapis.com", 443), timeout=3).close()
        pytest.skip("storage.googleapis.com is reachable: this test is for a machine offline")
    except OSError:
        pass
    start = time.monotonic()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "course_utils",
            "download",
            "--to",
            tmp_path / "out",
            "--only",
            "mnist",
        ],
        capture_output=True,
        text=True,
        timeout=15,
        cwd=ROOT,
    )
    assert time.monotonic() - start < 15
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert_one_sentence(result.stderr, "storage.googleapis.com", "COURSE_DATA_DIR")


@pytest.mark.parametrize(
    "entry", ["mnist.npz", "cifar-10-batches-py-target_archive"], ids=["mnist", "cifar10-keras3"]
)
def test_download_keras_cache_already_there(keras_home, monkeypatch, capsys, entry):
    refuse_dns(monkeypatch)  # nothing is fetched, so the network is not needed
    (keras_home / entry).write_bytes(b"cached")
    name = "mnist" if entry == "mnist.npz" else "cifar10"
    status, out, err = run(capsys, "--only", name)
    assert status == 0, err
    assert f"already in the Keras cache ({keras_home / entry})" in out


def test_download_keras_failure_is_one_sentence(keras_home, monkeypatch, capsys):
    monkeypatch.setattr(
        download.socket, "create_connection", lambda *args, **kwargs: socket.socket()
    )
    calls = []

    def fails(name):
        calls.append(name)
        raise data.DataUnavailableError(f"keras.datasets could not download {name}: a reason.")

    monkeypatch.setattr(data, "_load_from_keras", fails)
    status, _, err = run(capsys, "--only", "mnist")
    assert status == 1 and calls == ["mnist"]
    assert_one_sentence(err, "keras.datasets could not download mnist")


@pytest.mark.parametrize(
    "args, problem",
    [
        (["--mirror", "http://127.0.0.1:8000/"], "--mirror needs --to DIR"),
        (
            ["--to", "{tmp}", "--mirror", "ftp://example.org/"],
            "Received: --mirror='ftp://example.org/'",
        ),
        (["--to", "{tmp}", "--mirror", "http://host:port/"], "--mirror must be an address"),
        (["--to", "{file}"], "--to must name a folder"),
    ],
    ids=["mirror-without-to", "not-http", "bad-port", "to-a-file"],
)
def test_download_arguments_that_do_not_fit(tmp_path, capsys, args, problem):
    (tmp_path / "file").write_text("")
    args = [a.format(tmp=tmp_path, file=tmp_path / "file") for a in args]
    status, out, err = run(capsys, *args)
    assert status == 2 and out == ""
    assert_one_sentence(err, problem)


def test_download_tables_agree_with_data():
    assert {download.SHA256["mnist/mnist.npz"], download.SHA256["cifar10/cifar10.npz"]} == set(
        data.KNOWN_NPZ_SHA256
    )
    assert set(download.SHA256) == set(download.MAX_BYTES)
    assert set(download.ORIGINS) <= set(download.SHA256)
