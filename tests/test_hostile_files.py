"""Hostile and damaged data files: each is refused with a DataFileError naming the file and
what is wrong, at a bounded cost in time and memory (issue 14).

Every file is written here, small on disk: the bombs are a few MB that expand to gigabytes.
"""

import gzip
import hashlib
import io
import json
import os
import pickle
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from course_utils import config, data, exercises
from course_utils.__main__ import main
from course_utils.data import DataFileError, load_cifar10, load_mnist

MIB = 2**20
SPLITS = {"train": 12, "t10k": 5}


def idx_bytes(array, magic=None):
    magic = magic if magic is not None else (2051 if array.ndim == 3 else 2049)
    header = magic.to_bytes(4, "big") + b"".join(n.to_bytes(4, "big") for n in array.shape)
    return header + array.astype(np.uint8).tobytes()


def idx_header(*fields):
    return b"".join(n.to_bytes(4, "big") for n in fields)


def deflate_zeros(prefix, mebibytes):
    """Raw deflate of prefix + mebibytes MiB of zeros, its CRC-32 and size, built in chunks:
    after a full flush, each MiB of zeros compresses to the same ~1 kB, so it is repeated."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    zeros = bytes(MIB)
    head = compressor.compress(prefix) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    assert compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH) == block
    body = head + block * mebibytes + compressor.flush()  # (mebibytes >= 2)
    crc = zlib.crc32(prefix)
    for _ in range(mebibytes):
        crc = zlib.crc32(zeros, crc)
    return body, crc, len(prefix) + mebibytes * MIB


def gzip_of(deflated):
    body, crc, size = deflated
    return b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + body + struct.pack("<2L", crc, size)


def npy(shape, descr="|u1", payload=None):
    """An .npy file: a version 1.0 header claiming shape and descr, then payload."""
    stream = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        stream, {"descr": descr, "fortran_order": False, "shape": shape}
    )
    return stream.getvalue() + (payload if payload is not None else b"")


def write_zip(path, members):
    """A zip of members {name: bytes, or deflate_zeros(...) already compressed}."""
    local, central = b"", b""
    for name, content in members.items():
        if isinstance(content, bytes):
            compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
            body = compressor.compress(content) + compressor.flush()
            content = (body, zlib.crc32(content), len(content))
        body, crc, size = content
        name = name.encode()
        fields = (8, 0, 0, crc, len(body), size, len(name))
        offset = len(local)
        central += struct.pack("<4s6H3L5H2L", b"PK\1\2", 20, 20, 0, *fields, 0, 0, 0, 0, 0, offset)
        central += name
        local += struct.pack("<4s5H3L2H", b"PK\3\4", 20, 0, *fields, 0) + name + body
    count = len(members)
    end = struct.pack("<4s4H2LH", b"PK\5\6", 0, 0, count, count, len(central), len(local), 0)
    path.write_bytes(local + central + end)
    return path


def small_arrays(image_shape=(28, 28)):
    rng = np.random.default_rng(0)
    return {
        "x_train": rng.integers(0, 256, (12, *image_shape), dtype=np.uint8),
        "y_train": (np.arange(12) % 10).astype(np.uint8),
        "x_test": rng.integers(0, 256, (5, *image_shape), dtype=np.uint8),
        "y_test": (np.arange(5) % 10).astype(np.uint8),
    }


def npz_members(**changes):
    members = {f"{k}.npy": npy_of(v) for k, v in small_arrays().items()}
    members.update({f"{k}.npy": v for k, v in changes.items()})
    return members


def npy_of(array):
    stream = io.BytesIO()
    np.save(stream, array, allow_pickle=True)
    return stream.getvalue()


def write_mnist(folder, **replace):
    """The four IDX files, small and well formed (so not the official ones)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for prefix, count in SPLITS.items():
        images = rng.integers(0, 256, (count, 28, 28), dtype=np.uint8)
        labels = (np.arange(count) % 10).astype(np.uint8)
        for kind, array in (("images", images), ("labels", labels)):
            name = f"{prefix}-{kind}-idx{3 if kind == 'images' else 1}-ubyte.gz"
            (folder / name).write_bytes(replace.get(name, gzip.compress(idx_bytes(array))))
    return folder


def trust_mnist(folder, monkeypatch):
    hashes = {
        f: hashlib.sha256((folder / f).read_bytes()).hexdigest() for f in data.MNIST_IDX_SHA256
    }
    monkeypatch.setattr(data, "MNIST_IDX_SHA256", hashes)


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv(config.DATA_DIR_ENV, str(tmp_path))
    monkeypatch.delenv(config.REQUIRE_REAL_DATA_ENV, raising=False)
    return tmp_path


@pytest.fixture(scope="module")
def idx_bomb(tmp_path_factory):
    """~3 MB of gzip expanding to 3 GiB: a plausible MNIST header, then zeros."""
    path = tmp_path_factory.mktemp("bomb") / "train-images-idx3-ubyte.gz"
    path.write_bytes(gzip_of(deflate_zeros(idx_header(2051, 60_000, 28, 28), 3 * 1024)))
    assert path.stat().st_size < 4 * MIB
    return path


def sparse(path, size):
    """A file that claims size bytes and takes almost none on disk."""
    with open(path, "wb") as file:
        file.truncate(size)
    return path


class _Exploit:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


# ---------------------------------------------------------------------------------------
# The table: (case, writes the file(s) into a folder and returns what to call, message)


def _mnist_with(name, content):
    def make(folder):
        write_mnist(folder, **{name: content})
        return lambda: load_mnist(source="local", verbose=False)

    return make


def _read_idx(content, kind="images"):
    def make(folder):
        path = folder / "file.gz"
        path.write_bytes(content() if callable(content) else content)
        return lambda: data.read_idx(path, kind)

    return make


def _npz(members):
    def make(folder):
        write_zip(folder / "mnist.npz", members() if callable(members) else members)
        return lambda: load_mnist(source="local", verbose=False)

    return make


def _npz_bytes(content):
    def make(folder):
        (folder / "mnist.npz").write_bytes(content)
        return lambda: load_mnist(source="local", verbose=False)

    return make


def _sparse(name, size, subfolder=""):
    def make(folder):
        if name.startswith("train-images"):
            write_mnist(folder)
        if subfolder:
            (folder / subfolder).mkdir()
        sparse(folder / subfolder / name, size)
        loader = load_cifar10 if subfolder else load_mnist
        return lambda: loader(source="local", verbose=False)

    return make


GOOD_IMAGES = idx_bytes(np.random.default_rng(2).integers(0, 256, (12, 28, 28), dtype=np.uint8))
TRAIN_IMAGES = "train-images-idx3-ubyte.gz"

CASES = {
    "official IDX, not gzip": (
        _mnist_with(TRAIN_IMAGES, GOOD_IMAGES),
        "SHA-256, and is not a gzip file",
    ),
    "official IDX, truncated gzip": (
        _mnist_with(TRAIN_IMAGES, gzip.compress(GOOD_IMAGES)[:200]),
        "SHA-256, and is a damaged or truncated gzip file",
    ),
    "official IDX, wrong magic": (
        _mnist_with(TRAIN_IMAGES, gzip.compress(idx_header(2049, 12) + bytes(12))),
        "SHA-256, and has magic number 2049, expected 2051",
    ),
    "official IDX, well formed but not official": (
        _mnist_with(TRAIN_IMAGES, gzip.compress(GOOD_IMAGES)),
        "is well formed but its SHA-256 does not match",
    ),
    "official IDX, absurd size on disk (sparse 100 GB)": (
        _sparse(TRAIN_IMAGES, 10**11),
        "is 100,000,000,000 bytes, more than MNIST's train-images-idx3-ubyte.gz can be",
    ),
    "IDX header claims 3.9 million images": (
        _read_idx(lambda: gzip_of(deflate_zeros(idx_header(2051, 3_900_000, 28, 28), 8))),
        "says 3,900,000 images of 28x28; MNIST has at most 60,000",
    ),
    "IDX header claims 1000x1000 images": (
        _read_idx(gzip.compress(idx_header(2051, 2, 1000, 1000))),
        "says 2 images of 1000x1000",
    ),
    "IDX labels, 256 MiB of labels (gzip bomb too large on disk to be labels)": (
        _read_idx(lambda: gzip_of(deflate_zeros(idx_header(2049, 60_000), 256)), "labels"),
        "more than a gzipped MNIST labels file can be (125,604)",
    ),
    "IDX labels, 64 MiB of labels (gzip bomb that is small enough to read)": (
        _read_idx(lambda: gzip_of(deflate_zeros(idx_header(2049, 60_000), 64)), "labels"),
        "has extra bytes: its header says 60,000 labels (60,000 bytes), but more follow",
    ),
    "IDX, CRC damaged": (
        _read_idx(gzip.compress(GOOD_IMAGES)[:-8] + b"\0" * 8),
        "damaged or truncated gzip file",
    ),
    "IDX, a folder": (
        lambda folder: lambda: data.read_idx(folder, "images"),
        "cannot be read (IsADirectoryError",
    ),
    "IDX, empty": (_read_idx(b""), "is not a gzip file"),
    "npz, not a zip": (_npz_bytes(b"PK\3\4 this is not a zip archive"), "cannot be read as an npz"),
    "npz, empty": (_npz_bytes(b""), "cannot be read as an npz archive"),
    "npz, header claims (10**9, 28, 28)": (
        _npz(lambda: npz_members(x_train=npy((10**9, 28, 28), payload=bytes(100)))),
        "x_train claims 1,000,000,000 images; MNIST has at most 60,000",
    ),
    "npz, x_train claims 2 million images (1.5 GB)": (
        _npz(lambda: {**npz_members(), "x_train.npy": deflate_zeros(npy((2_000_000, 28, 28)), 2)}),
        "x_train claims 2,000,000 images",
    ),
    "npz, object array": (
        _npz(npz_members(x_test=npy_of(np.array([{"a": 1}] * 5, dtype=object)))),
        "x_test holds Python objects (dtype object), which are never unpickled",
    ),
    "npz, structured dtype with objects": (
        _npz(npz_members(y_train=npy((12,), descr=[("a", "O")]))),
        "y_train holds Python objects",
    ),
    "npz, member truncated": (
        _npz(npz_members(x_train=npy((12, 28, 28), payload=bytes(100)))),
        "x_train is truncated: its header says uint8 of shape (12, 28, 28) (9,408 bytes)",
    ),
    "npz, member with a broken header": (
        _npz(npz_members(y_test=b"\x93NUMPY\x01\x00\x10\x00{'descr': 1,}    \n")),
        "cannot be read as an npz archive (ValueError",
    ),
    "npz, member that is not .npy": (
        _npz(npz_members(y_train=b"hello")),
        "cannot be read as an npz archive",
    ),
    "npz, npy format 3.0": (
        _npz(npz_members(y_train=b"\x93NUMPY\x03\x00" + bytes(20))),
        "y_train uses .npy format (3, 0), which is not read",
    ),
    "npz, negative shape": (
        _npz(npz_members(y_train=npy((-12,)))),
        "y_train has an impossible shape (-12,)",
    ),
    "npz, absurd size on disk (sparse 100 GB)": (
        _sparse("mnist.npz", 10**11),
        "is 100,000,000,000 bytes, more than a MNIST npz can be",
    ),
    "CIFAR batch, absurd size on disk (sparse 100 GB)": (
        _sparse("data_batch_1", 10**11, "cifar-10-batches-py"),
        "more than a CIFAR-10 batch can be",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_file_is_refused(case, data_dir):
    make, message = CASES[case]
    load = make(data_dir)
    with pytest.raises(DataFileError) as raised:
        load()
    assert isinstance(raised.value, ValueError)
    assert message in str(raised.value), str(raised.value)
    assert str(data_dir) in str(raised.value)  # it names the file (or folder)


def test_npz_member_with_damaged_compressed_data(data_dir):
    path = write_zip(data_dir / "mnist.npz", npz_members())
    content = bytearray(path.read_bytes())
    start = content.index(b"x_train.npy") + len("x_train.npy") + 200  # inside x_train's data
    content[start : start + 50] = bytes(range(50))
    path.write_bytes(bytes(content))
    with pytest.raises(DataFileError, match=r"mnist\.npz: cannot be read as an npz archive"):
        load_mnist(source="local", verbose=False)


def test_npz_member_with_extra_data(data_dir):
    x_train = npy((12, 28, 28), payload=bytes(12 * 28 * 28 + 3))
    write_zip(data_dir / "mnist.npz", npz_members(x_train=x_train))
    with pytest.raises(
        DataFileError, match=r"x_train has more bytes than its shape \(12, 28, 28\)"
    ):
        load_mnist(source="local", verbose=False)


# ---------------------------------------------------------------------------------------
# The bombs, measured in a fresh interpreter so the peak memory is honest

MEASURE = """
import json, resource, sys, time
from course_utils import data
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
try:
    {call}
    error = None
except Exception as raised:
    error = [type(raised).__name__, str(raised)]
seconds = time.perf_counter() - start
extra_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(json.dumps({{"seconds": seconds, "extra_mib": extra_kib / 1024, "error": error}}))
"""


def measure(call, data_folder):
    env = {**os.environ, config.DATA_DIR_ENV: str(data_folder)}
    env.pop(config.REQUIRE_REAL_DATA_ENV, None)
    result = subprocess.run(
        [sys.executable, "-c", MEASURE.format(call=call)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_gzip_bomb_as_official_mnist_file_is_cheap(tmp_path, idx_bomb):
    folder = write_mnist(tmp_path / "data")
    (folder / TRAIN_IMAGES).write_bytes(idx_bomb.read_bytes())
    found = measure("data.load_mnist(source='local', verbose=False)", folder)
    assert found["error"][0] == "DataFileError"
    assert "does not match the official file's SHA-256, and has extra bytes" in found["error"][1]
    assert found["extra_mib"] < 400 and found["seconds"] < 8, found


def test_gzip_bomb_read_directly_is_cheap(tmp_path, idx_bomb):
    found = measure(f"data.read_idx({str(idx_bomb)!r}, 'images')", tmp_path)
    assert found["error"][0] == "DataFileError"
    assert "has extra bytes: its header says 60,000 images of 28x28" in found["error"][1]
    assert found["extra_mib"] < 400 and found["seconds"] < 8, found


def test_npz_member_expanding_to_1_5_gb_is_cheap(tmp_path):
    (tmp_path / "data").mkdir()
    x_train = deflate_zeros(npy((60_000, 28, 28)), 1536)  # 1.5 GiB after a valid header
    path = write_zip(tmp_path / "data" / "mnist.npz", {**npz_members(), "x_train.npy": x_train})
    assert path.stat().st_size < 3 * MIB
    found = measure("data.load_mnist(source='local', verbose=False)", tmp_path / "data")
    assert found["error"][0] == "DataFileError"
    assert "x_train has more bytes than its shape (60000, 28, 28) holds" in found["error"][1]
    assert found["extra_mib"] < 400 and found["seconds"] < 8, found


# ---------------------------------------------------------------------------------------
# CIFAR pickles: exactly the bytes whose MD5 was checked are unpickled


def write_batches(folder, monkeypatch):
    batches = folder / "cifar-10-batches-py"
    batches.mkdir(parents=True)
    rng = np.random.default_rng(1)
    hashes, contents = {}, {}
    for name in data.CIFAR10_BATCH_MD5:
        rows = rng.integers(0, 256, (2, 3072), dtype=np.uint8)
        blob = pickle.dumps({b"data": rows, b"labels": [1, 2]})
        (batches / name).write_bytes(blob)
        hashes[name], contents[name] = hashlib.md5(blob).hexdigest(), rows
    monkeypatch.setattr(data, "CIFAR10_BATCH_MD5", hashes)
    return batches, contents


def test_cifar_pickle_swapped_after_hashing_is_not_unpickled(data_dir, monkeypatch):
    batches, contents = write_batches(data_dir, monkeypatch)
    marker = data_dir / "code-ran"
    real_md5, swapped = hashlib.md5, []

    def md5_then_swap(content):  # an attacker replaces the file just after it was hashed
        if not swapped:
            (batches / "data_batch_1").write_bytes(pickle.dumps(_Exploit(marker)))
            swapped.append(True)
        return real_md5(content)

    monkeypatch.setattr(data.hashlib, "md5", md5_then_swap)
    (x_train, _), _ = load_cifar10(source="local", verbose=False)
    assert swapped and not marker.exists()
    expected = contents["data_batch_1"].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    np.testing.assert_array_equal(x_train[:2], expected)


def test_cifar_pickle_with_the_right_md5_but_wrong_content(data_dir, monkeypatch):
    batches, _ = write_batches(data_dir, monkeypatch)
    blob = pickle.dumps({b"labels": [1]})  # no b"data"
    (batches / "test_batch").write_bytes(blob)
    monkeypatch.setitem(data.CIFAR10_BATCH_MD5, "test_batch", hashlib.md5(blob).hexdigest())
    with pytest.raises(DataFileError, match=r"test_batch: matches its MD5 but cannot be read"):
        load_cifar10(source="local", verbose=False)


def test_cifar_batch_that_is_a_folder(data_dir, monkeypatch):
    batches, _ = write_batches(data_dir, monkeypatch)
    (batches / "data_batch_2").unlink()
    (batches / "data_batch_2").mkdir()
    with pytest.raises(DataFileError, match=r"data_batch_2: cannot be read \(IsADirectoryError"):
        load_cifar10(source="local", verbose=False)


# ---------------------------------------------------------------------------------------
# Unreadable files and folders (as root, permission errors are simulated)


def deny(monkeypatch, under):
    """Make open() in course_utils.data, and stat-based checks, refuse paths under a folder."""
    import builtins

    real_open = builtins.open

    def refused(path):
        return PermissionError(13, "Permission denied", str(path))

    def fake_open(path, *args, **kwargs):
        if str(path).startswith(str(under)):
            raise refused(path)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(data, "open", fake_open, raising=False)
    return refused


@pytest.mark.parametrize(
    ("layout", "loader"),
    [("mnist-idx", load_mnist), ("mnist.npz", load_mnist), ("cifar-batches", load_cifar10)],
)
def test_unreadable_file(data_dir, monkeypatch, layout, loader):
    if layout == "mnist-idx":
        write_mnist(data_dir)
        trust_mnist(data_dir, monkeypatch)
    elif layout == "mnist.npz":
        write_zip(data_dir / "mnist.npz", npz_members())
    else:
        write_batches(data_dir, monkeypatch)
    deny(monkeypatch, data_dir)
    with pytest.raises(DataFileError, match=r"cannot be read \(PermissionError") as raised:
        loader(source="local", verbose=False)
    assert str(data_dir) in str(raised.value)


@pytest.fixture
def unreadable_data_dir(data_dir, monkeypatch):
    """COURSE_DATA_DIR as after chmod 000: the folder exists, nothing inside can be looked at."""
    real_is_dir, real_is_file = Path.is_dir, Path.is_file

    def guarded(real):
        def check(self):
            if str(self).startswith(str(data_dir) + os.sep):
                raise PermissionError(13, "Permission denied", str(self))
            return real(self)

        return check

    monkeypatch.setattr(Path, "is_dir", guarded(real_is_dir))
    monkeypatch.setattr(Path, "is_file", guarded(real_is_file))
    return data_dir


def test_unreadable_data_folder(unreadable_data_dir):
    with pytest.raises(DataFileError, match=r"cannot be read \(PermissionError"):
        load_mnist(verbose=False)
    with pytest.raises(DataFileError, match=r"cannot be read \(PermissionError"):
        data.plan_source("cifar10")


def test_doctor_reports_an_unreadable_data_folder(unreadable_data_dir, capsys):
    assert main(["doctor", "--json", "--no-train"]) == 1  # problems found, and no crash
    rows = {row["check"]: row for row in json.loads(capsys.readouterr().out)["rows"]}
    for name in ("MNIST", "CIFAR-10"):
        assert rows[name]["status"] == "FAIL" and "PermissionError" in rows[name]["detail"]


# ---------------------------------------------------------------------------------------
# Loud about what an unknown npz is; quiet for a known one


def test_unknown_npz_is_announced_loudly(data_dir, capsys):
    write_zip(data_dir / "mnist.npz", npz_members())
    loaded = load_mnist(source="local")
    assert loaded.verified == data.NPZ_UNVERIFIED
    assert "NOT verified against a published hash" in loaded.describe()
    assert "WARNING: not a known MNIST file" in capsys.readouterr().out


def test_known_npz_is_hash_verified(data_dir, monkeypatch, capsys):
    path = write_zip(data_dir / "mnist.npz", npz_members())
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    monkeypatch.setitem(data.KNOWN_NPZ_SHA256, digest, "a test's mnist.npz")
    loaded = load_mnist(source="local")
    assert loaded.verified == "SHA-256 matches a test's mnist.npz"
    assert "WARNING" not in capsys.readouterr().out
    loaded[0][0][0, 0, 0] = 1  # the arrays are ordinary, writable arrays


# ---------------------------------------------------------------------------------------
# A check whose reference data is broken says so, and does not call the answer incorrect


def test_check_with_broken_reference_data_is_not_judged(data_dir):
    from course_utils.exercises import nb00

    write_mnist(data_dir, **{TRAIN_IMAGES: b"not gzip"})
    exercises.use_reference_data(None)  # the notebooks' own loader
    try:
        feedback = nb00.q1.check(60_000)
    finally:
        exercises.use_reference_data(None)
    assert feedback.outcome is exercises.Outcome.NOT_CHECKED, feedback
    assert feedback.outcome is not exercises.Outcome.INCORRECT
    assert "not judged" in feedback.message
    assert str(data_dir / TRAIN_IMAGES) in feedback.message
    assert "is not a gzip file" in feedback.message
    assert not feedback.message.startswith(exercises.CATCH_ALL)
    assert "❢" in feedback._repr_markdown_()


def test_check_with_a_failing_loader_is_not_judged():
    from course_utils.exercises import nb00

    def broken(name):
        raise OSError("disk on fire")

    exercises.use_reference_data(broken)
    try:
        feedback = nb00.q1.check(60_000)
    finally:
        exercises.use_reference_data(None)
    assert feedback.outcome is exercises.Outcome.NOT_CHECKED
    assert "(OSError: disk on fire)" in feedback.message


# ---------------------------------------------------------------------------------------
# Property: junk in, a result or a DataFileError out, never anything else

VALID_IDX = gzip.compress(idx_bytes(np.arange(3 * 28 * 28, dtype=np.uint8).reshape(3, 28, 28)))


def _npz_file_bytes(compressed):
    stream = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(stream, **small_arrays())
    return stream.getvalue()


VALID_NPZ = (_npz_file_bytes(False), _npz_file_bytes(True))


def mutated(valid):
    """valid bytes, truncated and with some bytes changed."""
    return st.tuples(
        st.sampled_from(valid),
        st.integers(0, 10**6),
        st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=8),
    ).map(_mutate)


def _mutate(args):
    content, cut, changes = args
    content = bytearray(content[: max(1, cut % (len(content) + 1))])
    for where, value in changes:
        content[where % len(content)] = value
    return bytes(content)


JUNK = st.binary(max_size=600)
IDX_JUNK = st.one_of(JUNK, JUNK.map(gzip.compress), mutated([VALID_IDX]))
NPZ_JUNK = st.one_of(
    JUNK,
    mutated(VALID_NPZ),
    st.dictionaries(
        st.sampled_from(["x_train.npy", "y_train.npy", "x_test.npy", "y_test.npy"]),
        st.one_of(JUNK, st.sampled_from([npy_of(a) for a in small_arrays().values()])),
        min_size=4,
    ).map(lambda members: _zip_bytes(members)),
)


def _zip_bytes(members):
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return stream.getvalue()


PROPERTY = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(content=IDX_JUNK, kind=st.sampled_from(["images", "labels"]))
def test_read_idx_on_junk_returns_or_raises_data_file_error(tmp_path_factory, content, kind):
    path = tmp_path_factory.getbasetemp() / "junk.gz"
    path.write_bytes(content)
    try:
        result = data.read_idx(path, kind)
    except DataFileError as error:
        assert str(path) in str(error)
    else:
        assert result.dtype == np.uint8


@PROPERTY
@given(content=NPZ_JUNK, name=st.sampled_from(["mnist", "cifar10"]))
def test_npz_loader_on_junk_returns_or_raises_data_file_error(tmp_path_factory, content, name):
    path = tmp_path_factory.getbasetemp() / "junk.npz"
    path.write_bytes(content)
    try:
        result = data._read_npz(name, path)
    except DataFileError as error:
        assert str(path) in str(error)
    else:
        assert result[0][0].dtype == np.uint8
