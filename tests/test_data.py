"""Tests for course_utils.data: every source and every bad-file case.

The tests write their own small IDX, npz and pickle files; tests on the real data
run when COURSE_DATA_DIR holds it (CI points it at ../shared/data).
"""

import gzip
import hashlib
import pickle
import socket

import numpy as np
import pytest

from course_utils import config, data
from course_utils.data import DataFileError, DataUnavailableError, load_cifar10, load_mnist

MNIST_FILES = {
    "train-images-idx3-ubyte.gz": ("images", "train"),
    "train-labels-idx1-ubyte.gz": ("labels", "train"),
    "t10k-images-idx3-ubyte.gz": ("images", "test"),
    "t10k-labels-idx1-ubyte.gz": ("labels", "test"),
}


def idx_bytes(array, magic=None):
    """The IDX encoding of a uint8 array: magic, one big-endian int per dimension, data."""
    magic = magic if magic is not None else (2051 if array.ndim == 3 else 2049)
    header = magic.to_bytes(4, "big") + b"".join(n.to_bytes(4, "big") for n in array.shape)
    return header + array.astype(np.uint8).tobytes()


def small_mnist(num_train=12, num_test=5):
    rng = np.random.default_rng(0)
    return {
        "train": (
            rng.integers(0, 256, (num_train, 28, 28), dtype=np.uint8),
            (np.arange(num_train) % 10).astype(np.uint8),
        ),
        "test": (
            rng.integers(0, 256, (num_test, 28, 28), dtype=np.uint8),
            (np.arange(num_test)[::-1] % 10).astype(np.uint8),
        ),
    }


def write_mnist_idx(folder, arrays, monkeypatch, trust=True):
    """Write the four IDX files; with trust, make their hashes the 'published' ones."""
    folder.mkdir(parents=True, exist_ok=True)
    hashes = {}
    for filename, (kind, split) in MNIST_FILES.items():
        array = arrays[split][0 if kind == "images" else 1]
        path = folder / filename
        path.write_bytes(gzip.compress(idx_bytes(array)))
        hashes[filename] = hashlib.sha256(path.read_bytes()).hexdigest()
    if trust:
        monkeypatch.setattr(data, "MNIST_IDX_SHA256", hashes)
    return hashes


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv(config.DATA_DIR_ENV, str(tmp_path))
    monkeypatch.delenv(config.REQUIRE_REAL_DATA_ENV, raising=False)
    return tmp_path


@pytest.fixture
def no_keras(monkeypatch):
    """keras.datasets fails as it does offline, and records which data sets were asked for."""
    import keras

    calls = []
    for name in ("mnist", "cifar10"):

        def offline(name=name):
            calls.append(name)
            raise Exception(  # what Keras raises when the server name cannot be looked up
                f"URL fetch failure on https://example.invalid/{name}: None -- "
                "[Errno -2] Name or service not known"
            )

        monkeypatch.setattr(getattr(keras.datasets, name), "load_data", offline)
    return calls


# ---------------------------------------------------------------------------------------
# COURSE_DATA_DIR: MNIST


def test_load_mnist_idx_files(data_dir, monkeypatch):
    arrays = small_mnist()
    write_mnist_idx(data_dir, arrays, monkeypatch)
    loaded = load_mnist(verbose=False)
    (x_train, y_train), (x_test, y_test) = loaded
    assert x_train.shape == (12, 28, 28) and x_test.shape == (5, 28, 28)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8
    assert y_train.shape == (12,) and y_test.shape == (5,)
    np.testing.assert_array_equal(x_train, arrays["train"][0])
    np.testing.assert_array_equal(y_test, arrays["test"][1])
    assert loaded.source == "local"
    assert loaded.verified == "SHA-256 verified"
    assert str(data_dir) in loaded.origin
    assert loaded.path == data_dir.resolve()
    assert not loaded.is_standin


def test_load_mnist_idx_in_mnist_subfolder(data_dir, monkeypatch):
    write_mnist_idx(data_dir / "mnist", small_mnist(), monkeypatch)
    assert load_mnist(verbose=False).source == "local"


def test_load_mnist_idx_does_not_need_keras(data_dir, monkeypatch, no_keras):
    write_mnist_idx(data_dir, small_mnist(), monkeypatch)
    load_mnist(verbose=False)
    assert no_keras == []


def test_load_mnist_npz(data_dir):
    arrays = small_mnist()
    np.savez(
        data_dir / "mnist.npz",
        x_train=arrays["train"][0],
        y_train=arrays["train"][1].reshape(-1, 1),  # (N, 1) labels are flattened
        x_test=arrays["test"][0],
        y_test=arrays["test"][1],
    )
    (x_train, y_train), (x_test, y_test) = loaded = load_mnist(verbose=False)
    assert y_train.shape == (12,)
    np.testing.assert_array_equal(y_train, arrays["train"][1])
    assert loaded.source == "local"
    assert loaded.verified == (
        "structure checked and size bounded; NOT verified against a published hash"
    )
    assert loaded.path == (data_dir / "mnist.npz").resolve()


def test_load_mnist_npz_refuses_pickled_objects(data_dir):
    arrays = small_mnist()
    np.savez(
        data_dir / "mnist.npz",
        x_train=np.array([object()] * 3, dtype=object),
        y_train=arrays["train"][1],
        x_test=arrays["test"][0],
        y_test=arrays["test"][1],
    )
    with pytest.raises(DataFileError, match="mnist.npz"):
        load_mnist(verbose=False)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"x_train": np.zeros((3, 28, 28), np.float32)}, "x_train should be uint8"),
        ({"x_test": np.zeros((5, 32, 32), np.uint8)}, r"shape \(5, 32, 32\)"),
        ({"y_train": np.zeros(4, np.uint8)}, "12 x_train images but 4 labels"),
        ({"y_test": np.full(5, 10, np.uint8)}, "labels 0-9"),
        ({"y_test": np.zeros((5, 2), np.uint8)}, r"shape \(N,\) or \(N, 1\)"),
    ],
)
def test_load_mnist_npz_bad_arrays(data_dir, change, message):
    arrays = small_mnist()
    content = {
        "x_train": arrays["train"][0],
        "y_train": arrays["train"][1],
        "x_test": arrays["test"][0],
        "y_test": arrays["test"][1],
    }
    content.update(change)
    np.savez(data_dir / "mnist.npz", **content)
    with pytest.raises(DataFileError, match=message) as raised:
        load_mnist(verbose=False)
    assert "mnist.npz" in str(raised.value)


def test_load_mnist_npz_missing_keys(data_dir):
    np.savez(data_dir / "mnist.npz", images=np.zeros((2, 28, 28), np.uint8))
    with pytest.raises(DataFileError, match=r"lacks the keys .*x_train"):
        load_mnist(verbose=False)


def test_load_mnist_npz_not_a_zip(data_dir):
    (data_dir / "mnist.npz").write_bytes(b"this is not a zip archive")
    with pytest.raises(DataFileError, match="mnist.npz"):
        load_mnist(verbose=False)


def corrupt_not_gzip(raw):
    return gzip.decompress(raw)  # the plain IDX bytes, not compressed


def corrupt_truncated_gzip(raw):
    return raw[: len(raw) // 2]


def corrupt_wrong_magic(raw):
    content = bytearray(gzip.decompress(raw))
    content[0:4] = (2049).to_bytes(4, "big")  # a labels magic in an images file
    return gzip.compress(bytes(content))


def corrupt_fewer_bytes(raw):
    return gzip.compress(gzip.decompress(raw)[:-28])


def corrupt_extra_bytes(raw):
    return gzip.compress(gzip.decompress(raw) + b"\x00" * 10)


def corrupt_count(raw):
    content = bytearray(gzip.decompress(raw))
    content[4:8] = (13).to_bytes(4, "big")  # header claims one image more
    return gzip.compress(bytes(content))


def corrupt_header_only(raw):
    return gzip.compress(gzip.decompress(raw)[:10])


@pytest.mark.parametrize(
    ("corrupt", "message"),
    [
        (corrupt_not_gzip, "is not a gzip file"),
        (corrupt_truncated_gzip, "damaged or truncated gzip"),
        (corrupt_wrong_magic, "magic number 2049, expected 2051"),
        (corrupt_fewer_bytes, r"is truncated: its header says 12 images of 28x28"),
        (corrupt_extra_bytes, "has extra bytes"),
        (corrupt_count, r"says 13 images of 28x28 \(10,192 bytes\), but 9,408 bytes follow"),
        (corrupt_header_only, "shorter than the 16-byte header"),
    ],
)
def test_load_mnist_bad_idx_file(data_dir, monkeypatch, corrupt, message):
    write_mnist_idx(data_dir, small_mnist(), monkeypatch)
    path = data_dir / "train-images-idx3-ubyte.gz"
    path.write_bytes(corrupt(path.read_bytes()))
    with pytest.raises(DataFileError, match=message) as raised:
        load_mnist(verbose=False)
    assert isinstance(raised.value, ValueError)
    assert "train-images-idx3-ubyte.gz" in str(raised.value)


def test_load_mnist_idx_wrong_hash(data_dir, monkeypatch):
    write_mnist_idx(data_dir, small_mnist(), monkeypatch, trust=False)
    with pytest.raises(DataFileError, match="SHA-256 does not match the official file"):
        load_mnist(verbose=False)


def test_load_mnist_idx_label_count_disagrees(data_dir, monkeypatch):
    arrays = small_mnist()
    arrays["test"] = (arrays["test"][0], arrays["test"][1][:4])
    write_mnist_idx(data_dir, arrays, monkeypatch)
    with pytest.raises(DataFileError, match="has 4 labels but t10k-images-idx3-ubyte.gz has 5"):
        load_mnist(verbose=False)


def test_load_mnist_idx_missing_file(data_dir, monkeypatch):
    write_mnist_idx(data_dir, small_mnist(), monkeypatch)
    (data_dir / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DataFileError, match=r"but not \['t10k-labels-idx1-ubyte.gz'\]"):
        load_mnist(verbose=False)


def test_read_idx_images(tmp_path):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    content = idx_bytes(images)
    assert content[:16] == bytes.fromhex("00000803 00000002 00000003 00000004")
    path = tmp_path / "images.gz"
    path.write_bytes(gzip.compress(content))
    loaded = data.read_idx(path, "images")
    assert loaded.dtype == np.uint8
    np.testing.assert_array_equal(loaded, images)


def test_read_idx_wrong_kind(tmp_path):
    with pytest.raises(ValueError, match="kind must be 'images' or 'labels'. Received: kind='x'"):
        data.read_idx(tmp_path / "a.gz", "x")


# ---------------------------------------------------------------------------------------
# COURSE_DATA_DIR: CIFAR-10


def small_cifar(num_train=10, num_test=4):
    rng = np.random.default_rng(1)
    return (
        (
            rng.integers(0, 256, (num_train, 32, 32, 3), dtype=np.uint8),
            (np.arange(num_train) % 10).astype(np.uint8),
        ),
        (
            rng.integers(0, 256, (num_test, 32, 32, 3), dtype=np.uint8),
            (np.arange(num_test) % 10).astype(np.uint8),
        ),
    )


def test_load_cifar10_npz(data_dir):
    (x_train, y_train), (x_test, y_test) = small_cifar()
    (data_dir / "cifar10").mkdir()
    names = np.array([f"class{i}" for i in range(10)])
    np.savez(
        data_dir / "cifar10" / "cifar10.npz",
        x_train=x_train,
        y_train=y_train.reshape(-1, 1),
        x_test=x_test,
        y_test=y_test,
        class_names=names,
    )
    loaded = load_cifar10(verbose=False)
    (a_train, b_train), (a_test, b_test) = loaded
    assert a_train.shape == (10, 32, 32, 3) and b_train.shape == (10,)
    np.testing.assert_array_equal(a_test, x_test)
    assert loaded.class_names == tuple(names)
    assert loaded.source == "local"


def test_load_cifar10_npz_wrong_image_shape(data_dir):
    (x_train, y_train), (x_test, y_test) = small_cifar()
    np.savez(
        data_dir / "cifar10.npz",
        x_train=x_train.transpose(0, 3, 1, 2),  # channels first
        y_train=y_train,
        x_test=x_test,
        y_test=y_test,
    )
    with pytest.raises(DataFileError, match=r"shape \(N, 32, 32, 3\).*\(10, 3, 32, 32\)"):
        load_cifar10(verbose=False)


def write_cifar_batches(folder, train, test, monkeypatch, trust=True):
    """Write pickles in the official layout: rows of 3072 bytes, red plane first."""
    batches = folder / "cifar-10-batches-py"
    batches.mkdir(parents=True)
    (x_train, y_train), (x_test, y_test) = train, test
    parts = np.array_split(np.arange(len(x_train)), 5)
    contents = {f"data_batch_{i + 1}": (x_train[idx], y_train[idx]) for i, idx in enumerate(parts)}
    contents["test_batch"] = (x_test, y_test)
    hashes = {}
    for name, (x, y) in contents.items():
        rows = x.transpose(0, 3, 1, 2).reshape(len(x), 3072)
        blob = pickle.dumps({b"data": rows, b"labels": [int(v) for v in y]})
        (batches / name).write_bytes(blob)
        hashes[name] = hashlib.md5(blob).hexdigest()
    if trust:
        monkeypatch.setattr(data, "CIFAR10_BATCH_MD5", hashes)
    return batches


def test_load_cifar10_batches_folder(data_dir, monkeypatch):
    train, test = small_cifar()
    write_cifar_batches(data_dir, train, test, monkeypatch)
    loaded = load_cifar10(verbose=False)
    (x_train, y_train), (x_test, y_test) = loaded
    np.testing.assert_array_equal(x_train, train[0])  # channels back in last place
    np.testing.assert_array_equal(y_test, test[1])
    assert loaded.verified == "MD5 verified"


class _Exploit:
    """Unpickling this would create a file: proof that a pickle can run code."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_load_cifar10_batch_wrong_hash_is_never_unpickled(data_dir, monkeypatch):
    train, test = small_cifar()
    batches = write_cifar_batches(data_dir, train, test, monkeypatch)
    marker = data_dir / "code-ran"
    (batches / "data_batch_1").write_bytes(pickle.dumps(_Exploit(marker)))
    with pytest.raises(DataFileError, match="was not opened: a pickle file can run code"):
        load_cifar10(verbose=False)
    assert not marker.exists()


def test_load_cifar10_batch_missing(data_dir, monkeypatch):
    train, test = small_cifar()
    batches = write_cifar_batches(data_dir, train, test, monkeypatch)
    (batches / "test_batch").unlink()
    with pytest.raises(DataFileError, match="test_batch: is missing"):
        load_cifar10(verbose=False)


# ---------------------------------------------------------------------------------------
# keras.datasets, the stand-in and the order of sources


def test_load_mnist_from_keras(monkeypatch):
    import keras

    monkeypatch.delenv(config.DATA_DIR_ENV, raising=False)
    arrays = small_mnist()
    seen_timeout = []

    def fake_load_data():
        seen_timeout.append(socket.getdefaulttimeout())
        return arrays["train"], arrays["test"]

    monkeypatch.setattr(keras.datasets.mnist, "load_data", fake_load_data)
    before = socket.getdefaulttimeout()
    loaded = load_mnist(verbose=False)
    assert loaded.source == "keras"
    assert loaded[0][0].shape == (12, 28, 28)
    assert seen_timeout == [data.DOWNLOAD_TIMEOUT]  # a stalled download gives up
    assert socket.getdefaulttimeout() == before  # and the timeout is put back


def test_load_cifar10_from_keras_flattens_labels(monkeypatch):
    import keras

    monkeypatch.delenv(config.DATA_DIR_ENV, raising=False)
    (x_train, y_train), (x_test, y_test) = small_cifar()
    monkeypatch.setattr(
        keras.datasets.cifar10,
        "load_data",
        lambda: ((x_train, y_train.reshape(-1, 1)), (x_test, y_test.reshape(-1, 1))),
    )
    (_, labels), _ = loaded = load_cifar10(verbose=False)
    assert labels.shape == (10,) and loaded.source == "keras"


def test_load_mnist_offline_falls_back_to_standin(monkeypatch, capsys, no_keras):
    monkeypatch.delenv(config.DATA_DIR_ENV, raising=False)
    monkeypatch.delenv(config.REQUIRE_REAL_DATA_ENV, raising=False)
    loaded = load_mnist()
    assert loaded.is_standin
    assert "offline" in loaded.note and "COURSE_DATA_DIR is not set" in loaded.note
    shown = capsys.readouterr().out
    assert "stand-in data, not MNIST" in shown
    assert "set COURSE_DATA_DIR" in shown
    assert "Traceback" not in shown


def test_load_mnist_keras_source_fails_in_one_sentence(no_keras):
    with pytest.raises(DataUnavailableError) as raised:
        load_mnist(source="keras", verbose=False)
    message = str(raised.value)
    assert message == (
        "keras.datasets could not download MNIST: you seem to be offline "
        "(the server name could not be looked up)."
    )
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


def test_load_mnist_require_real_data(monkeypatch, no_keras):
    monkeypatch.delenv(config.DATA_DIR_ENV, raising=False)
    monkeypatch.setenv(config.REQUIRE_REAL_DATA_ENV, "1")
    with pytest.raises(DataUnavailableError, match="COURSE_REQUIRE_REAL_DATA=1 forbids"):
        load_mnist()
    assert no_keras == ["mnist"]


def test_load_mnist_empty_data_dir_tries_keras_next(data_dir, no_keras):
    loaded = load_mnist(verbose=False)
    assert no_keras == ["mnist"]
    assert loaded.is_standin
    assert f"no MNIST files in COURSE_DATA_DIR={data_dir}" in loaded.note


def test_load_mnist_local_source_without_files(data_dir):
    with pytest.raises(DataUnavailableError, match="No MNIST files in COURSE_DATA_DIR"):
        load_mnist(source="local", verbose=False)


def test_load_mnist_data_dir_does_not_exist(monkeypatch, tmp_path):
    monkeypatch.setenv(config.DATA_DIR_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(ValueError, match=r"COURSE_DATA_DIR=.*nowhere.*does not exist"):
        load_mnist(verbose=False)


def test_load_mnist_unknown_source():
    with pytest.raises(ValueError, match="Received: source='internet'"):
        load_mnist(source="internet")


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (
            Exception("URL fetch failure: [Errno -3] Temporary failure in name resolution"),
            "offline",
        ),
        (Exception("<urlopen error [SSL: CERTIFICATE_VERIFY_FAILED] certificate>"), "SSL"),
        (Exception("Tunnel connection failed: 407 Proxy Authentication Required"), "proxy"),
        (TimeoutError("timed out"), "did not answer within 20 s"),
        (Exception("[Errno 111] Connection refused"), "refused"),
        (Exception("HTTP Error 404: Not Found\nmore"), "HTTP Error 404: Not Found."),
    ],
)
def test_explain_download_error(error, reason):
    explanation = data.explain_download_error(error)
    assert reason in explanation
    assert "\n" not in explanation


# ---------------------------------------------------------------------------------------
# The stand-ins


def test_standin_mnist_is_real_digits_in_mnist_layout():
    (x_train, y_train), (x_test, y_test) = loaded = load_mnist("standin", verbose=False)
    assert loaded.is_standin and loaded.source == "standin" and loaded.path is None
    assert x_train.shape[1:] == (28, 28) and x_train.dtype == np.uint8
    assert len(x_train) + len(x_test) == 1797  # all of scikit-learn's digits
    assert set(np.unique(y_train)) == set(range(10)) == set(np.unique(y_test))
    # MNIST centres a 20x20 digit in 28x28: a black 4-pixel border, white strokes.
    assert x_train[:, :4].max() == 0 and x_train[:, :, -4:].max() == 0
    assert x_train.max() == 255
    # 80/20, stratified: a fifth of each digit (rounded down) is a test image; shuffled.
    assert (len(x_train), len(x_test)) == (1442, 355)
    per_digit = np.bincount(np.concatenate([y_train, y_test]))
    assert np.bincount(y_test).tolist() == (per_digit // 5).tolist()
    assert np.any(np.diff(y_train.astype(int)) < 0) and np.any(np.diff(y_test.astype(int)) < 0)


def test_standin_cifar10_shapes_and_balance():
    (x_train, y_train), (x_test, y_test) = loaded = load_cifar10("standin", verbose=False)
    assert x_train.shape == (5000, 32, 32, 3) and x_test.shape == (1000, 32, 32, 3)
    assert x_train.dtype == np.uint8 and y_train.shape == (5000,)
    assert np.bincount(y_train).tolist() == [500] * 10
    assert np.bincount(y_test).tolist() == [100] * 10
    assert loaded.class_names == data.STANDIN_CIFAR10_CLASS_NAMES


def test_standin_cifar10_flips_and_shifts_change_images():
    (x_train, y_train), _ = load_cifar10("standin", verbose=False)
    images = x_train[:200].astype(int)
    flipped = images[:, :, ::-1]
    shifted = np.roll(images, 4, axis=2)
    # Views of the same class differ: positions, orientations and mirroring vary.
    assert np.mean([np.abs(a - b).mean() > 5 for a, b in zip(images, flipped, strict=True)]) > 0.9
    assert np.mean([np.abs(a - b).mean() > 5 for a, b in zip(images, shifted, strict=True)]) > 0.9
    # Objects sit at different places: the per-class mean image is blurred.
    squares = x_train[y_train == data.STANDIN_CIFAR10_CLASS_NAMES.index("square")]
    assert squares.std(axis=0).mean() > 30


def test_standin_returns_fresh_copies():
    (x_train, _), _ = load_mnist("standin", verbose=False)
    x_train[:] = 0
    (again, _), _ = load_mnist("standin", verbose=False)
    assert again.max() == 255


def test_dataset_describe_and_repr():
    loaded = load_mnist("standin", verbose=False)
    assert loaded.describe().startswith("STAND-IN for MNIST: 1,442 training and 355 test")
    assert repr(loaded) == (
        "Dataset('mnist', source='standin', train=(1442, 28, 28), test=(355, 28, 28))"
    )


def test_plan_source_names_local_files(data_dir, monkeypatch):
    write_mnist_idx(data_dir, small_mnist(), monkeypatch)
    assert data.plan_source("mnist") == f"COURSE_DATA_DIR: {data_dir} (IDX files)"
    assert "keras.datasets download" in data.plan_source("cifar10")


# ---------------------------------------------------------------------------------------
# The real data sets (CI points COURSE_DATA_DIR at ../shared/data)


def real_data_dir(name):
    folder = config.data_dir()
    if folder is None or not data.plan_source(name).startswith(config.DATA_DIR_ENV):
        pytest.skip(f"COURSE_DATA_DIR does not hold {name}")
    return folder


MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_real_mnist():
    real_data_dir("mnist")
    (x_train, y_train), (x_test, y_test) = loaded = load_mnist(verbose=False)
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert x_train.dtype == np.uint8 == y_train.dtype
    assert np.bincount(y_train).tolist() == MNIST_TRAIN_COUNTS
    assert np.bincount(y_test).tolist() == MNIST_TEST_COUNTS
    assert y_test[:9].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5]
    assert loaded.source == "local" and loaded.verified == "SHA-256 verified"


def test_real_cifar10():
    real_data_dir("cifar10")
    (x_train, y_train), (x_test, y_test) = loaded = load_cifar10(verbose=False)
    assert x_train.shape == (50000, 32, 32, 3) and x_test.shape == (10000, 32, 32, 3)
    assert x_train.dtype == np.uint8 and y_train.shape == (50000,)
    assert np.bincount(y_train).tolist() == [5000] * 10
    assert loaded.source == "local"
    assert loaded.class_names == data.CIFAR10_CLASS_NAMES
