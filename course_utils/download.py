"""Fetch MNIST and CIFAR-10 once, hash-verified: ``python -m course_utils download``.

Without ``--to``, ``keras.datasets`` fills its own cache (``~/.keras/datasets``), which
the notebooks use when ``COURSE_DATA_DIR`` is unset. With ``--to DIR``, the files are
written in the layout ``COURSE_DATA_DIR`` reads (see ``course_utils.data``):
``DIR/mnist/mnist.npz`` and ``DIR/cifar10/cifar-10-python.tar.gz``, extracted into
``DIR/cifar10/cifar-10-batches-py/``. The archive is kept, so DIR can serve a room.

In a room with a slow or no internet connection:

1. One machine with internet runs ``python -m course_utils download --to DIR``.
2. It shares DIR: copied (a USB stick), or served with ``python -m http.server -d DIR 8000``.
3. Each other machine sets ``COURSE_DATA_DIR`` to its copy, or runs
   ``python -m course_utils download --to DIR --mirror http://THAT-MACHINE:8000/`` and then
   sets ``COURSE_DATA_DIR=DIR``. A mirror may also serve any folder in the
   ``COURSE_DATA_DIR`` layout: for MNIST ``mnist/mnist.npz`` or the four official IDX
   files, for CIFAR-10 the course's ``cifar10/cifar10.npz`` or the official archive (the
   first the mirror has is taken).

Every file is streamed into ``NAME.part`` beside its target, at most ``MAX_BYTES`` of it,
and moved to its final name only once its SHA-256 matches ``SHA256``; on any failure the
``.part`` file is removed. The archive's members are checked by name, type, size and (the
batches) MD5 before anything is put in place. With no network the command fails in
seconds, with one sentence saying what to do.
"""

import contextlib
import hashlib
import http.client
import os
import shlex
import shutil
import socket
import sys
import tarfile
import tempfile
import threading
import urllib.error
import urllib.parse
import urllib.request
import zlib
from pathlib import Path

from course_utils import config, data

PROBE_TIMEOUT = 5  # seconds to open a connection before the network counts as unreachable
MIB = 2**20

# Where keras.datasets downloads from (keras/src/datasets/mnist.py and cifar10.py, Keras 3.15).
ORIGINS = {
    "mnist/mnist.npz": "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz",
    "cifar10/cifar-10-python.tar.gz": "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
}
# Every file a download may write, by its path in the COURSE_DATA_DIR layout.
SHA256 = {
    "mnist/mnist.npz": "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
    **{f"mnist/{name}": sha256 for name, sha256 in data.MNIST_IDX_SHA256.items()},
    "cifar10/cifar10.npz": "c0b92128afdc1b94d18b201747ed380696784a24014ad0d6338230efcd03c595",
    "cifar10/cifar-10-python.tar.gz": "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
}
MAX_BYTES = {  # the official sizes, rounded up: a bad source cannot fill the disk
    "mnist/mnist.npz": 12 * MIB,  # 11,490,434 bytes
    "mnist/train-images-idx3-ubyte.gz": 10 * MIB,  # 9,912,422
    "mnist/train-labels-idx1-ubyte.gz": MIB // 16,  # 28,881
    "mnist/t10k-images-idx3-ubyte.gz": 2 * MIB,  # 1,648,877
    "mnist/t10k-labels-idx1-ubyte.gz": MIB // 16,  # 4,542
    "cifar10/cifar10.npz": 180 * MIB,  # 170,187,516
    "cifar10/cifar-10-python.tar.gz": 180 * MIB,  # 170,498,071
}
# For each data set, the sets of files that hold it, in the order a mirror is asked.
_CHOICES = {
    "mnist": (("mnist/mnist.npz",), tuple(f"mnist/{name}" for name in data.MNIST_IDX_SHA256)),
    "cifar10": (("cifar10/cifar10.npz",), ("cifar10/cifar-10-python.tar.gz",)),
}
_ARCHIVE = "cifar10/cifar-10-python.tar.gz"
_BATCHES = "cifar-10-batches-py"  # the archive's one folder, extracted beside it
_OTHER_MEMBERS = ("batches.meta", "readme.html")  # at most 1 MiB; batches: data's bound
# Where keras.datasets fetches each data set from (the doctor probes these hosts too).
KERAS_ORIGINS = {"mnist": ORIGINS["mnist/mnist.npz"], "cifar10": ORIGINS[_ARCHIVE]}


class DownloadError(RuntimeError):
    """A download or an extraction failed; the message is one sentence for the learner."""


class _NotOnMirror(DownloadError):
    """The mirror answered 404: it does not have this file."""


def download(to=None, mirror=None, names=None):
    """Fetch MNIST and CIFAR-10 into the Keras cache, or into a folder for COURSE_DATA_DIR.

    Args:
        to: a folder to write in the COURSE_DATA_DIR layout; None fills the Keras cache.
        mirror: the address of a machine serving such a folder over HTTP (needs ``to``).
        names: ``["mnist"]``, ``["cifar10"]`` or both (None).

    Returns:
        The exit status: 0 done, 1 a download failed (one sentence on stderr), 2 the
        arguments do not fit together, 130 interrupted.

    Example:
    >>> download(mirror="http://127.0.0.1:8000/")  # --mirror without --to: nothing fetched
    2
    """
    names = list(data._SPECS) if names is None else [names] if isinstance(names, str) else names
    for name in names:
        data._spec(name)  # a ValueError naming an unknown data set
    problem = _check_arguments(to, mirror)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    try:
        if to is None:
            done = [_to_keras_cache(name) for name in names]
        else:
            folder = Path(to).expanduser().resolve()
            mirror = mirror if mirror is None or mirror.endswith("/") else f"{mirror}/"
            done = [_to_folder(name, folder, mirror) for name in names]
    except DownloadError as error:
        print(error, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Interrupted; no half-written file was left behind.", file=sys.stderr)
        return 130
    print("\nDone.")
    for line in done:
        print(f"  {line}")
    if to is not None:
        print(f"To use it: export {config.DATA_DIR_ENV}={shlex.quote(str(folder))}")
        print(f"  (Windows: set {config.DATA_DIR_ENV}={folder})")
        print(f"To serve it to a room: python -m http.server -d {shlex.quote(str(folder))} 8000")
        print("  (then on each machine: python -m course_utils download --to DIR --mirror URL)")
    return 0


def _check_arguments(to, mirror):
    """A sentence saying what is wrong with the arguments, or None."""
    if to is not None and Path(to).expanduser().exists() and not Path(to).expanduser().is_dir():
        return f"--to must name a folder. Received: --to={to!r}, which is a file."
    if mirror is None:
        return None
    if to is None:
        return (
            "--mirror needs --to DIR: the mirror's files are written to a folder for "
            f"{config.DATA_DIR_ENV} (keras.datasets only downloads from its own origins). "
            f"Received: --mirror={mirror!r} without --to."
        )
    try:
        parts = urllib.parse.urlsplit(mirror)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        return (
            "--mirror must be an address such as http://192.168.1.10:8000/. "
            f"Received: --mirror={mirror!r}."
        )
    return None


# --------------------------------------------------------------------------------------
# Into the Keras cache


def _to_keras_cache(name):
    title = data._SPECS[name]["title"]
    cached = data._keras_cache(name)
    if cached is not None:
        print(f"{title}: already in the Keras cache ({cached}).")
        return f"{title}: in the Keras cache, {cached}"
    origin = KERAS_ORIGINS[name]
    _probe(origin, mirror=False)
    print(f"{title}: fetching {origin} into the Keras cache (Keras shows its progress).")
    try:
        data._load_from_keras(name)  # Keras verifies the hash and removes a partial file
    except data.DataUnavailableError as error:
        raise DownloadError(str(error)) from None
    return f"{title}: in the Keras cache, {data._keras_cache(name) or data._keras_home()}"


def _probe(url, mirror):
    """Fail in one sentence, within seconds, when url's server (or its proxy) is out of reach."""
    parts = urllib.parse.urlsplit(url)
    host, port = parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
    reason = unreachable(host, port, scheme=parts.scheme)
    if reason is None:
        return
    if mirror:
        raise DownloadError(
            f"Could not reach the mirror {host}:{port}: {reason}; check that "
            "`python -m http.server` runs there and that the address is right, or copy "
            f"the data folder and set {config.DATA_DIR_ENV}."
        )
    raise DownloadError(
        f"No network: could not reach {host}: {reason}; connect to the internet, or copy "
        f"a data folder from your instructor and set {config.DATA_DIR_ENV}, or run "
        "`python -m course_utils download --to DIR --mirror URL` against a machine that "
        "has the data."
    )


def unreachable(host, port=443, timeout=PROBE_TIMEOUT, scheme="https"):
    """None when a connection to ``host`` (or to the ``scheme`` proxy for it) opens within
    ``timeout`` seconds, else why not, in words (``doctor`` and ``download`` both ask). The name lookup, which ignores socket
    timeouts, is waited for no longer."""
    target = (host, port)
    proxy = urllib.request.getproxies().get(scheme)
    if proxy and not urllib.request.proxy_bypass(host):
        parts = urllib.parse.urlsplit(proxy if "://" in proxy else f"http://{proxy}")
        with contextlib.suppress(ValueError):  # a malformed port: try the host directly
            target = (parts.hostname or host, parts.port or 80)
    via = f" (through the proxy {target[0]}:{target[1]})" if target[0] != host else ""
    outcome = []

    def connect():
        try:
            socket.create_connection(target, timeout=timeout).close()
            outcome.append(None)
        except (OSError, ValueError) as error:  # ValueError: a name IDNA cannot encode
            outcome.append(error)

    thread = threading.Thread(target=connect, daemon=True)
    thread.start()
    thread.join(timeout + 0.5)
    if not outcome or isinstance(outcome[0], TimeoutError):
        return f"no answer within {timeout} s{via}"
    if outcome[0] is None:
        return None
    return data.explain_download_error(outcome[0]).rstrip(".") + via


# --------------------------------------------------------------------------------------
# Into a folder for COURSE_DATA_DIR


def _to_folder(name, folder, mirror):
    title = data._SPECS[name]["title"]
    for files in _CHOICES[name]:  # already there: nothing is fetched
        if all(_verified(folder / f, f) for f in files):
            for f in files:
                print(f"{f}: already there, verified.")
            return _finish(title, folder, files, url=None)
    choices = [files for files in _CHOICES[name] if mirror or files[0] in ORIGINS]
    choices.sort(key=lambda files: not any((folder / f).exists() for f in files))  # stable
    _probe(mirror or ORIGINS[choices[0][0]], mirror=bool(mirror))
    for files in choices:
        urls = [urllib.parse.urljoin(mirror, f) if mirror else ORIGINS[f] for f in files]
        try:
            _fetch(urls[0], folder / files[0], files[0])
        except _NotOnMirror:
            if not mirror:
                raise
            print(f"{files[0]}: not on the mirror.", flush=True)
            continue
        for f, url in zip(files[1:], urls[1:], strict=True):
            _fetch(url, folder / f, f)  # all of a set, or an error
        return _finish(title, folder, files, urls[0])
    raise DownloadError(
        f"The mirror {mirror} has no {title} files: it should serve "
        f"{' or '.join(files[0] for files in choices)} in the {config.DATA_DIR_ENV} layout."
    )


def _finish(title, folder, files, url):
    """Extract the CIFAR-10 archive if needed; one line saying where the data set is."""
    if files == (_ARCHIVE,):
        batches = folder / "cifar10" / _BATCHES
        if not all(_batch_ok(batches / batch) for batch in data.CIFAR10_BATCH_MD5):
            _extract_cifar10(folder / _ARCHIVE, url)
        return f"{title}: {batches} (extracted from {Path(_ARCHIVE).name}, MD5 verified)"
    where = folder / files[0] if len(files) == 1 else f"{folder / 'mnist'}, the four IDX files"
    return f"{title}: {where} (SHA-256 verified)"


def _sha256(path, limit):
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        if os.fstat(file.fileno()).st_size > limit:
            return None
        for block in iter(lambda: file.read(MIB), b""):
            digest.update(block)
    return digest.hexdigest()


def _verified(path, relpath):
    try:
        return path.is_file() and _sha256(path, MAX_BYTES[relpath]) == SHA256[relpath]
    except OSError:
        return False


def _batch_ok(path):
    try:
        raw = path.read_bytes() if path.stat().st_size <= data.CIFAR10_BATCH_MAX_BYTES else b""
    except OSError:
        return False
    return hashlib.md5(raw).hexdigest() == data.CIFAR10_BATCH_MD5[path.name]


def _fetch(url, target, relpath):
    """Download url to target through target.part, verified; skip a verified copy."""
    if target.is_file():
        if _verified(target, relpath):
            print(f"{relpath}: already there, verified.")
            return
        print(f"{relpath}: already there but its SHA-256 does not match; replacing it.")
    part = target.with_name(target.name + ".part")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(part, "wb") as out:
            digest = _stream(url, out, relpath)
        if digest != SHA256[relpath]:
            raise DownloadError(
                f"{relpath} from {url} has SHA-256 {digest}, not the expected "
                f"{SHA256[relpath]} (a damaged or different file), so it was not kept."
            )
        os.replace(part, target)
    except (OSError, http.client.HTTPException) as error:
        _remove(part)
        if isinstance(error, urllib.error.HTTPError) and error.code == 404:
            raise _NotOnMirror(f"{url} does not exist (HTTP 404).") from None
        raise DownloadError(
            f"Could not download {relpath} from {url}: {data.explain_download_error(error)}"
        ) from None
    except BaseException:  # DownloadError, KeyboardInterrupt: nothing half-written stays
        _remove(part)
        raise


def _stream(url, out, relpath):
    """Copy url's bytes into out, at most MAX_BYTES[relpath]; return their SHA-256."""
    limit, digest, received = MAX_BYTES[relpath], hashlib.sha256(), 0
    with urllib.request.urlopen(url, timeout=data.DOWNLOAD_TIMEOUT) as response:
        length = response.headers.get("Content-Length", "")
        total = int(length) if length.isdigit() else None
        if total is not None and total > limit:
            raise DownloadError(
                f"{relpath} at {url} is {total:,} bytes, more than it can be ({limit:,}), "
                "so it was not downloaded."
            )
        size = f" ({_size(total)})" if total is not None else ""
        print(f"Fetching {relpath}{size} from {url}", flush=True)
        progress = _Progress(total)
        try:
            while block := response.read(MIB):
                received += len(block)
                if received > limit:
                    raise DownloadError(
                        f"{url} sent more than the {limit:,} bytes {relpath} can be, so the "
                        "download was stopped and nothing was kept."
                    )
                digest.update(block)
                out.write(block)
                progress.update(received)
        finally:
            progress.done()
    if total is not None and received < total:
        raise DownloadError(
            f"The connection closed after {received:,} of {total:,} bytes of {relpath} from "
            f"{url}; nothing was kept, so run the command again."
        )
    return digest.hexdigest()


class _Progress:
    """One updating line on a terminal, otherwise a line at each quarter (for a file larger
    than one block)."""

    def __init__(self, total):
        self.total, self.quarter, self.shown = total, 1, False
        self.terminal = sys.stdout.isatty()

    def update(self, received):
        if self.total is not None and self.total <= MIB:
            return
        if self.terminal:
            percent = f" of {_size(self.total)} ({received / self.total:.0%})" if self.total else ""
            print(f"\r  {_size(received)}{percent}  ", end="", flush=True)
            self.shown = True
            return
        while self.total and self.quarter <= 4 and 4 * received >= self.quarter * self.total:
            print(f"  {25 * self.quarter}% of {_size(self.total)}", flush=True)
            self.quarter += 1

    def done(self):
        if self.shown:
            print()


def _size(num_bytes):
    return f"{num_bytes / 1e6:.1f} MB" if num_bytes >= 1e6 else f"{num_bytes / 1e3:.1f} kB"


def _remove(path):
    with contextlib.suppress(OSError):
        path.unlink()


def _extract_cifar10(archive, url):
    """Extract the archive's checked members beside it, into a temporary folder first."""
    target = archive.parent / _BATCHES
    print(f"Extracting {archive.name} into {target}")
    temp = Path(tempfile.mkdtemp(prefix=f".{_BATCHES}-", dir=archive.parent))
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                base = _check_member(member, archive, url)
                if base is None:
                    continue
                raw = tar.extractfile(member).read(member.size)
                expected = data.CIFAR10_BATCH_MD5.get(base)
                if expected is not None and hashlib.md5(raw).hexdigest() != expected:
                    raise _refused(
                        archive, url, f"holds a {base} whose MD5 is not the published one"
                    )
                (temp / base).write_bytes(raw)
        missing = sorted(set(data.CIFAR10_BATCH_MD5) - {p.name for p in temp.iterdir()})
        if missing:
            raise _refused(archive, url, f"lacks {missing}")
        if target.exists():  # a damaged copy: replaced only once the new one is complete
            old = temp.with_name(temp.name + "-old")
            os.replace(target, old)
            os.replace(temp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(temp, target)
    except (tarfile.TarError, EOFError, zlib.error) as error:
        _remove(archive)
        raise _refused(archive, url, f"cannot be read ({type(error).__name__}: {error})") from None
    except DownloadError:
        _remove(archive)  # a refused archive must not count as "already there" next time
        raise
    except OSError as error:
        raise DownloadError(f"Could not extract {archive} into {target}: {error}.") from None
    finally:
        shutil.rmtree(temp, ignore_errors=True)


def _check_member(member, archive, url):
    """The file name under cifar-10-batches-py/ to extract, None to skip, or an error."""
    if member.isdir() and member.name.rstrip("/") == _BATCHES:
        return None
    folder, _, base = member.name.partition("/")
    limit = data.CIFAR10_BATCH_MAX_BYTES if base in data.CIFAR10_BATCH_MD5 else MIB
    if folder != _BATCHES or base not in (*data.CIFAR10_BATCH_MD5, *_OTHER_MEMBERS):
        raise _refused(archive, url, f"holds {member.name!r}, which is not a file of CIFAR-10")
    if not member.isfile():
        kind = "a link" if member.issym() or member.islnk() else "not a regular file"
        raise _refused(archive, url, f"holds {member.name!r} as {kind}")
    if member.size > limit:
        raise _refused(archive, url, f"holds a {base} of {member.size:,} bytes (at most {limit:,})")
    return base


def _refused(archive, url, problem):
    source = f" (from {url})" if url else ""
    return DownloadError(
        f"{archive}{source} {problem}, so nothing was extracted and the archive was removed."
    )
