"""Load MNIST and CIFAR-10 as uint8 arrays, from the best source available.

``load_mnist()`` and ``load_cifar10()`` return the same
``(x_train, y_train), (x_test, y_test)`` as ``keras.datasets``, with labels of
shape ``(N,)``, and say where the data came from (``data.source``). They try,
in order:

1. ``COURSE_DATA_DIR``, a folder holding
   - MNIST: the four official IDX files (``train-images-idx3-ubyte.gz`` and the
     rest, SHA-256 verified) or a Keras-style ``mnist.npz``, in the folder or in
     its ``mnist/`` subfolder;
   - CIFAR-10: ``cifar10.npz`` (keys ``x_train, y_train, x_test, y_test``) or the
     official ``cifar-10-batches-py`` folder (each pickle MD5-verified against its
     published hash before it is opened), in the folder or in ``cifar10/``.
2. ``keras.datasets`` (its cache, or a download when online). A failed download
   is reported in one sentence, and a stalled one gives up after
   ``DOWNLOAD_TIMEOUT`` seconds of silence.
3. An offline stand-in, shown loudly: real handwritten digits from
   scikit-learn (MNIST) or generated shapes (CIFAR-10).
   ``COURSE_REQUIRE_REAL_DATA=1`` turns it into an error.

What is checked, before anything is decompressed or unpickled: official IDX
files and known npz files by SHA-256, CIFAR pickles by the MD5 of exactly the bytes
then unpickled; any other npz by structure and size (said loudly). Every file's size,
and every array's shape, is bounded by what the data set can be. Any failure to read
a file (damaged, unofficial, too large, unreadable) raises ``DataFileError``, a
``ValueError`` naming the file and what is wrong.
"""

import hashlib
import math
import os
import pickle
import socket
import struct
import zipfile
import zlib
from functools import lru_cache
from pathlib import Path

import numpy as np

from course_utils import config
from course_utils.display import show

DOWNLOAD_TIMEOUT = 20  # seconds without a byte before a download gives up

MNIST_CLASS_NAMES = tuple(str(digit) for digit in range(10))
CIFAR10_CLASS_NAMES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)
STANDIN_CIFAR10_CLASS_NAMES = (
    "disc",
    "ring",
    "square",
    "frame",
    "triangle",
    "cross",
    "bar",
    "corner",
    "arrow",
    "star",
)

# Published SHA-256 of the official MNIST files (the ones TensorFlow Datasets checks).
MNIST_IDX_SHA256 = {
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}
# The official CIFAR-10 pickles are published with MD5 hashes only (the ones
# torchvision checks); a pickle can run code, so none is opened unless it matches.
CIFAR10_BATCH_MD5 = {
    "data_batch_1": "c99cafc152244af753f735de768cd75f",
    "data_batch_2": "d4bba439e000b95fd0a9bffe97cbabec",
    "data_batch_3": "54ebc095f3ab1f0389bbae665268c751",
    "data_batch_4": "634d18415352ddfa80567beed471001a",
    "data_batch_5": "482c414d41f54cd18b22e5b47cb7c3cb",
    "test_batch": "40351d587109b95175f43aff81a1287e",
}
# Known npz files: Keras' own mnist.npz, and the course's cifar10.npz.
KNOWN_NPZ_SHA256 = {
    "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1": "Keras' mnist.npz",
    "c0b92128afdc1b94d18b201747ed380696784a24014ad0d6338230efcd03c595": "the course's cifar10.npz",
}

NPZ_UNVERIFIED = "structure checked and size bounded; NOT verified against a published hash"
CIFAR10_BATCH_MAX_BYTES = 64 * 2**20  # an official batch is 31 MB
_IDX = {"images": (2051, 16), "labels": (2049, 8)}  # magic number, header bytes
# What reading a damaged file can raise, inside zipfile, zlib, numpy or pickle.
_READ_ERRORS = (
    OSError,
    EOFError,
    ValueError,
    LookupError,
    TypeError,
    AttributeError,
    NotImplementedError,
    RuntimeError,
    OverflowError,
    SyntaxError,
    zlib.error,
    zipfile.BadZipFile,
    struct.error,
    pickle.UnpicklingError,
)

_SPECS = {
    "mnist": {
        "title": "MNIST",
        "max_images": {"train": 60_000, "test": 10_000},
        "image_shape": (28, 28),
        "subfolder": "mnist",
        "npz": "mnist.npz",
        "class_names": MNIST_CLASS_NAMES,
        "keras_cache": ("mnist.npz",),
    },
    "cifar10": {
        "title": "CIFAR-10",
        "max_images": {"train": 50_000, "test": 10_000},
        "image_shape": (32, 32, 3),
        "subfolder": "cifar10",
        "npz": "cifar10.npz",
        "class_names": CIFAR10_CLASS_NAMES,
        # Keras 3's newer releases extract into cifar-10-batches-py-target_archive; older
        # ones (and Keras 2) into cifar-10-batches-py.
        "keras_cache": (
            "cifar-10-batches-py-target_archive",
            "cifar-10-batches-py",
            "cifar-10-batches-py.tar.gz",
        ),
    },
}
_SOURCES = ("auto", "local", "keras", "standin")


class DataFileError(ValueError):
    """A data file is damaged or is not the file it claims to be."""

    def __init__(self, path, problem):
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class DataUnavailableError(RuntimeError):
    """The requested data could not be loaded from any allowed source."""


class Dataset(tuple):
    """``((x_train, y_train), (x_test, y_test))`` that also says where it came from.

    Unpack it like the tuple ``keras.datasets`` returns; the attributes tell the
    rest.

    Attributes:
        name: ``"mnist"`` or ``"cifar10"``.
        source: ``"local"`` (COURSE_DATA_DIR), ``"keras"`` or ``"standin"``.
        origin: the file, folder or generator the arrays came from, in words.
        path: the file or folder the arrays were read from (None for the stand-in).
        verified: how the files were checked (e.g. ``"SHA-256 verified"``).
        class_names: the name of each label, index by index.
        note: why this source was used, when earlier ones were not.

    Example:
    >>> x = np.zeros((2, 28, 28), np.uint8)
    >>> y = np.array([3, 5], np.uint8)
    >>> data = Dataset("mnist", (x, y), (x, y), source="standin", origin="example")
    >>> (x_train, y_train), (x_test, y_test) = data
    >>> x_train.shape, data.source, data.is_standin
    ((2, 28, 28), 'standin', True)
    """

    def __new__(
        cls, name, train, test, *, source, origin, path=None, verified="", class_names=None, note=""
    ):
        self = super().__new__(cls, (tuple(train), tuple(test)))
        self.name = name
        self.source = source
        self.origin = str(origin)
        self.path = Path(path) if path is not None else None
        self.verified = verified
        self.class_names = tuple(class_names or _SPECS[name]["class_names"])
        self.note = note
        return self

    @property
    def is_standin(self):
        """True when these are not the real data but the offline stand-in."""
        return self.source == "standin"

    def describe(self):
        """One line: what was loaded, how much, and from where."""
        (x_train, _), (x_test, _) = self
        title = _SPECS[self.name]["title"]
        what = "STAND-IN for " + title if self.is_standin else title
        where = {
            "local": f"{config.DATA_DIR_ENV} ({self.origin})",
            "keras": f"keras.datasets ({self.origin})",
            "standin": self.origin,
        }[self.source]
        checked = f", {self.verified}" if self.verified else ""
        return (
            f"{what}: {len(x_train):,} training and {len(x_test):,} test images of "
            f"shape {x_train.shape[1:]}, from {where}{checked}."
        )

    def __repr__(self):
        (x_train, _), (x_test, _) = self
        return (
            f"Dataset({self.name!r}, source={self.source!r}, "
            f"train={x_train.shape}, test={x_test.shape})"
        )


def load_mnist(source="auto", verbose=True):
    """Load MNIST: 28x28 grayscale digits, uint8, labels 0-9 of shape ``(N,)``.

    Args:
        source: ``"auto"`` (COURSE_DATA_DIR, then keras.datasets, then the
            stand-in), or one of ``"local"``, ``"keras"``, ``"standin"``.
        verbose: show one line saying where the data came from (a banner for the
            stand-in).

    Returns:
        A ``Dataset``: ``(x_train, y_train), (x_test, y_test) = load_mnist()``.

    Raises:
        DataFileError: a file in COURSE_DATA_DIR is damaged or not official.
        DataUnavailableError: the source asked for (or any real source, with
            COURSE_REQUIRE_REAL_DATA=1) could not be used.

    Example:
    >>> (x_train, y_train), (x_test, y_test) = data = load_mnist("standin", verbose=False)
    >>> x_train.shape[1:], x_train.dtype, y_train.ndim, data.source
    ((28, 28), dtype('uint8'), 1, 'standin')
    """
    return _load("mnist", source, verbose)


def load_cifar10(source="auto", verbose=True):
    """Load CIFAR-10: 32x32 RGB images, uint8, labels 0-9 of shape ``(N,)``.

    ``keras.datasets.cifar10.load_data()`` gives labels of shape ``(N, 1)``;
    these are flattened. Arguments, return value and errors as ``load_mnist``.

    Example:
    >>> (x_train, y_train), (x_test, y_test) = data = load_cifar10("standin", verbose=False)
    >>> x_train.shape[1:], y_train.shape == (len(x_train),), data.class_names[:2]
    ((32, 32, 3), True, ('disc', 'ring'))
    """
    return _load("cifar10", source, verbose)


def plan_source(name):
    """Say which source ``load_mnist``/``load_cifar10`` would use, without loading.

    Args:
        name: ``"mnist"`` or ``"cifar10"``.

    Returns:
        A sentence for the set-up report.

    Example:
    >>> import os; os.environ.pop("COURSE_DATA_DIR", None) and None
    >>> plan_source("mnist")  # doctest: +ELLIPSIS
    '...keras.datasets...'
    """
    spec = _spec(name)
    folder = _data_dir()
    if folder is not None:
        found = _find_local(name, folder)
        if found is not None:
            return f"{config.DATA_DIR_ENV}: {found[1]}"
    cached = _keras_cache(name)
    if cached is not None:
        return f"keras.datasets cache: {cached}"
    fallback = (
        "otherwise an error (COURSE_REQUIRE_REAL_DATA=1)"
        if config.require_real_data()
        else "otherwise the offline stand-in"
    )
    looked = f" (nothing for {spec['title']} in {folder})" if folder is not None else ""
    return f"keras.datasets download (needs the internet){looked}; {fallback}"


# --------------------------------------------------------------------------------------
# Choosing a source


def _spec(name):
    if name not in _SPECS:
        raise ValueError(f"Unknown data set {name!r}; expected one of {sorted(_SPECS)}.")
    return _SPECS[name]


def _load(name, source, verbose):
    spec = _spec(name)
    if source not in _SOURCES:
        raise ValueError(f"source must be one of {_SOURCES}. Received: source={source!r}.")
    reasons = []
    data = None
    if source in ("auto", "local"):
        folder = _data_dir()
        found = _find_local(name, folder) if folder is not None else None
        if found is not None:
            data = found[0]()
        elif source == "local":
            raise DataUnavailableError(_missing_local_message(name, folder))
        else:
            reasons.append(
                f"{config.DATA_DIR_ENV} is not set"
                if folder is None
                else f"no {spec['title']} files in {config.DATA_DIR_ENV}={folder}"
            )
    if data is None and source in ("auto", "keras"):
        try:
            data = _load_from_keras(name)
        except DataUnavailableError as error:
            if source == "keras":
                raise
            reasons.append(str(error))
    if data is None:
        if source == "auto" and config.require_real_data():
            raise DataUnavailableError(
                f"{spec['title']} is not available and {config.REQUIRE_REAL_DATA_ENV}=1 "
                f"forbids the stand-in. {'; '.join(r.rstrip('.') for r in reasons)}. "
                f"{_how_to_get(name)}"
            )
        data = _standin(name)
        data.note = "; ".join(reasons)
    if verbose:
        _announce(data)
    return data


def _data_dir():
    """``config.data_dir()``, with an unreadable folder as a DataFileError."""
    try:
        return config.data_dir()
    except OSError as error:
        raise DataFileError(error.filename or config.DATA_DIR_ENV, _cannot_read(error)) from None


def _cannot_read(error):
    return f"cannot be read ({type(error).__name__}: {error})."


def _find_local(name, folder):
    """Return (loader, description) for the data set's files in folder, or None."""
    for place in (folder, folder / _spec(name)["subfolder"]):
        try:
            found = _find_in(name, place)
        except OSError as error:  # e.g. a folder without read permission
            raise DataFileError(place, _cannot_read(error)) from None
        if found is not None:
            return found
    return None


def _find_in(name, place):
    spec = _spec(name)
    if place.is_dir():
        if name == "mnist":
            present = [f for f in MNIST_IDX_SHA256 if (place / f).is_file()]
            if present and len(present) < len(MNIST_IDX_SHA256):
                missing = sorted(set(MNIST_IDX_SHA256) - set(present))
                raise DataFileError(place, f"has {present} but not {missing}.")
            if present:
                return (lambda p=place: _read_mnist_idx(p)), f"{place} (IDX files)"
        npz = place / spec["npz"]
        if npz.is_file():
            return (lambda p=npz: _read_npz(name, p)), str(npz)
        if name == "cifar10" and (place / "cifar-10-batches-py").is_dir():
            batches = place / "cifar-10-batches-py"
            return (lambda p=batches: _read_cifar_batches(p)), str(batches)
    return None


def _missing_local_message(name, folder):
    spec = _spec(name)
    if folder is None:
        return f"source='local' needs {config.DATA_DIR_ENV}, which is not set."
    return f"No {spec['title']} files in {config.DATA_DIR_ENV}={folder}. {_how_to_get(name)}"


def _how_to_get(name):
    if name == "mnist":
        files = "the four MNIST files (train-images-idx3-ubyte.gz and the rest) or mnist.npz"
    else:
        files = "cifar10.npz or the cifar-10-batches-py folder"
    return (
        "To use the real data, run `python -m course_utils download` once with internet "
        "access (it fills keras.datasets' cache), or copy a folder written by `python -m "
        f"course_utils download --to DIR` (or holding {files}) and set "
        f"{config.DATA_DIR_ENV} to it (README: 'Working offline')."
    )


def _announce(data):
    if data.verified == NPZ_UNVERIFIED:
        title = _SPECS[data.name]["title"]
        show(
            f"> **⚠ Not a known {title} file.** {data.describe()}  \n"
            f"> Its arrays have the right types and sizes, but it matches no published hash, "
            f"so they may not be the real {title}.",
            text=f"WARNING: not a known {title} file. {data.describe()}",
        )
        return
    if not data.is_standin:
        show(data.describe())
        return
    spec = _SPECS[data.name]
    why = f"Why: {data.note.rstrip('.')}." if data.note else ""
    how = _how_to_get(data.name)
    show(
        f"> **⚠ Stand-in data, not {spec['title']}.** {data.describe()}  \n"
        f"> Everything runs, but the figures in the text will not match. {why}  \n"
        f"> {how}",
        text=f"WARNING: stand-in data, not {spec['title']}. {data.describe()}\n{why}\n{how}",
    )


# --------------------------------------------------------------------------------------
# COURSE_DATA_DIR: IDX, npz and CIFAR pickles. Nothing is decompressed, parsed or
# allocated before its size is known to be possible for the data set.


def _read_bounded(path, limit, what):
    """The bytes of path, read once; a file larger than limit is refused unread."""
    try:
        with open(path, "rb") as file:
            size = os.fstat(file.fileno()).st_size
            raw = file.read(limit + 1) if size <= limit else b""
    except FileNotFoundError:
        raise DataFileError(path, "is missing.") from None
    except OSError as error:
        raise DataFileError(path, _cannot_read(error)) from None
    if size > limit or len(raw) > limit:
        size = max(size, len(raw))
        raise DataFileError(path, f"is {size:,} bytes, more than {what} can be ({limit:,}).")
    return raw


def _idx_limit(kind, max_count):
    """The most bytes a gzipped IDX file of max_count items can take on disk."""
    header = _IDX[kind][1]
    payload = header + max_count * (28 * 28 if kind == "images" else 1)
    return payload + payload // 1000 + 65536  # gzip's worst case, with room for its header


def read_idx(path, kind, max_count=60_000):
    """Read one gzipped IDX file of MNIST images or labels, checking its structure.

    Images: a 16-byte big-endian header (magic 2051, count, rows, columns), then
    one byte per pixel. Labels: an 8-byte header (magic 2049, count), then one
    byte per label. Nothing larger than MNIST can be is read or decompressed.

    Args:
        path: the ``.gz`` file.
        kind: ``"images"`` or ``"labels"``.
        max_count: the most images or labels the file may hold.

    Returns:
        A uint8 array of shape ``(count, rows, columns)`` or ``(count,)``.

    Raises:
        DataFileError: unreadable, too large, not gzip, truncated, wrong magic number,
            a header larger than MNIST (more than ``max_count`` items, or more than
            28x28 pixels), or a count that disagrees with the bytes that follow.

    Example:
    >>> import gzip, tempfile, os
    >>> header = (2049).to_bytes(4, "big") + (3).to_bytes(4, "big")
    >>> path = os.path.join(tempfile.mkdtemp(), "labels.gz")
    >>> with gzip.open(path, "wb") as f:
    ...     _ = f.write(header + bytes([7, 2, 1]))
    >>> read_idx(path, "labels")
    array([7, 2, 1], dtype=uint8)
    """
    if kind not in _IDX:
        raise ValueError(f"kind must be 'images' or 'labels'. Received: kind={kind!r}.")
    path = Path(path)
    raw = _read_bounded(path, _idx_limit(kind, max_count), f"a gzipped MNIST {kind} file")
    return _parse_idx(path, raw, kind, max_count)


def _parse_idx(path, raw, kind, max_count):
    """Decompress and check IDX bytes, never decompressing more than the header allows."""
    if raw[:2] != b"\x1f\x8b":
        raise DataFileError(path, "is not a gzip file (it does not start with 1f 8b).")
    magic_expected, header_size = _IDX[kind]
    stream = zlib.decompressobj(wbits=31)  # gzip
    try:
        header = stream.decompress(raw, header_size)
        if len(header) < header_size:
            if not stream.eof:
                raise zlib.error("the compressed data ends early")
            raise DataFileError(
                path,
                f"is truncated: {len(header)} bytes, shorter than the {header_size}-byte header.",
            )
        fields = [int.from_bytes(header[i : i + 4], "big") for i in range(0, header_size, 4)]
        if fields[0] != magic_expected:
            raise DataFileError(
                path,
                f"has magic number {fields[0]}, expected {magic_expected} for IDX {kind} "
                "(is it the right file?).",
            )
        shape = tuple(fields[1:])
        what = (
            f"{shape[0]:,} images of {shape[1]}x{shape[2]}"
            if kind == "images"
            else (f"{shape[0]:,} labels")
        )
        if shape[0] > max_count or any(side > 28 for side in shape[1:]):
            most = f"{max_count:,} images of 28x28" if kind == "images" else f"{max_count:,}"
            raise DataFileError(path, f"has a header that says {what}; MNIST has at most {most}.")
        expected = math.prod(shape)
        content = stream.decompress(stream.unconsumed_tail, expected + 1)
    except (EOFError, zlib.error) as error:
        raise DataFileError(path, f"is a damaged or truncated gzip file ({error}).") from None
    found = len(content)
    if found > expected:
        raise DataFileError(
            path, f"has extra bytes: its header says {what} ({expected:,} bytes), but more follow."
        )
    if not stream.eof:
        raise DataFileError(path, "is a damaged or truncated gzip file (it ends early).")
    if found < expected:
        raise DataFileError(
            path,
            f"is truncated: its header says {what} ({expected:,} bytes), but {found:,} bytes follow.",
        )
    if stream.unused_data:
        raise DataFileError(path, "has data after the end of its gzip stream.")
    return np.frombuffer(content, np.uint8).reshape(shape)


def _read_mnist_idx(folder):
    arrays = {}
    for filename, published in MNIST_IDX_SHA256.items():
        path = folder / filename
        kind = "images" if "images" in filename else "labels"
        max_count = _SPECS["mnist"]["max_images"]["train" if "train" in filename else "test"]
        raw = _read_bounded(path, _idx_limit(kind, max_count), f"MNIST's {filename}")
        if hashlib.sha256(raw).hexdigest() != published:
            try:  # bounded, and only to say what is wrong: the file is refused either way
                _parse_idx(path, raw, kind, max_count)
            except DataFileError as error:
                raise DataFileError(
                    path, f"does not match the official file's SHA-256, and {error.problem}"
                ) from None
            raise DataFileError(
                path,
                "is well formed but its SHA-256 does not match the official file "
                "(a different data set, or a modified copy). Use the original "
                "MNIST files.",
            )
        arrays[filename] = _parse_idx(path, raw, kind, max_count)
    splits = []
    for prefix in ("train", "t10k"):
        images = f"{prefix}-images-idx3-ubyte.gz"
        labels = f"{prefix}-labels-idx1-ubyte.gz"
        x, y = arrays[images], arrays[labels]
        if len(x) != len(y):
            raise DataFileError(
                folder / labels, f"has {len(y):,} labels but {images} has {len(x):,} images."
            )
        splits.append((x, y))
    return Dataset(
        "mnist",
        *splits,
        source="local",
        origin=f"{folder}, IDX files",
        path=folder,
        verified="SHA-256 verified",
    )


def _npz_limit(spec):
    """The most bytes an npz of this data set can take on disk (arrays, twice over)."""
    images = sum(spec["max_images"].values())
    return 2 * images * (math.prod(spec["image_shape"]) + 8) + 64 * 2**20


def _read_npz(name, path):
    """Read an npz: hashed as a stream, then each array's header checked before its data."""
    spec = _spec(name)
    path = Path(path)
    limit = _npz_limit(spec)
    try:
        file = open(path, "rb")  # closed by the with below
    except OSError as error:
        raise DataFileError(path, _cannot_read(error)) from None
    try:
        with file:
            size = os.fstat(file.fileno()).st_size
            if size > limit:
                raise DataFileError(
                    path, f"is {size:,} bytes, more than a {spec['title']} npz can be ({limit:,})."
                )
            digest = hashlib.sha256()
            for block in iter(lambda: file.read(1 << 20), b""):
                digest.update(block)
            known = KNOWN_NPZ_SHA256.get(digest.hexdigest())
            file.seek(0)
            with zipfile.ZipFile(file) as archive:
                splits, names = _read_npz_arrays(path, archive, spec)
    except DataFileError:
        raise
    except _READ_ERRORS as error:
        raise DataFileError(
            path, f"cannot be read as an npz archive ({type(error).__name__}: {error})."
        ) from None
    return Dataset(
        name,
        *splits,
        source="local",
        origin=path,
        path=path,
        verified=f"SHA-256 matches {known}" if known else NPZ_UNVERIFIED,
        class_names=[str(n) for n in names] if names is not None and len(names) == 10 else None,
    )


def _read_npz_arrays(path, archive, spec):
    members = {m.removesuffix(".npy"): m for m in archive.namelist()}
    wanted = ["x_train", "y_train", "x_test", "y_test"]
    if not set(wanted) <= set(members):
        raise DataFileError(
            path, f"lacks the keys {sorted(set(wanted) - set(members))} (it has {sorted(members)})."
        )
    splits = [_read_npz_split(path, archive, members, spec, split) for split in ("train", "test")]
    names = None
    if "class_names" in members:

        def small(shape, dtype):
            if math.prod(shape) * dtype.itemsize > 2**20:
                raise DataFileError(path, f"class_names is too large: {dtype} of shape {shape}.")

        names = _read_npy(path, archive, members["class_names"], small)
    return splits, names


def _read_npz_split(path, archive, members, spec, split):
    image_shape, most = spec["image_shape"], spec["max_images"][split]

    def images(shape, dtype):
        if dtype != np.uint8 or shape[1:] != image_shape:
            raise DataFileError(
                path,
                f"x_{split} should be uint8 images of shape "
                f"(N, {', '.join(map(str, image_shape))}); it is {dtype} of shape {shape}.",
            )
        if shape[0] > most:
            raise DataFileError(
                path, f"x_{split} claims {shape[0]:,} images; {spec['title']} has at most {most:,}."
            )

    x = _read_npy(path, archive, members[f"x_{split}"], images)

    def labels(shape, dtype):
        if len(shape) not in (1, 2) or (len(shape) == 2 and shape[1] != 1):
            raise DataFileError(path, f"y_{split} should have shape (N,) or (N, 1); it is {shape}.")
        if shape[0] != len(x):
            raise DataFileError(path, f"has {len(x):,} x_{split} images but {shape[0]:,} labels.")
        if dtype.kind not in "iu":
            raise DataFileError(path, f"y_{split} should hold integer labels 0-9; it is {dtype}.")

    y = _read_npy(path, archive, members[f"y_{split}"], labels)
    if y.size and (y.min() < 0 or y.max() > 9):
        raise DataFileError(path, f"y_{split} should hold integer labels 0-9; it is {y.dtype}.")
    return x, y.reshape(-1).astype(np.uint8)


def _read_npy(path, archive, member, check):
    """One array of an npz: its header read and passed to check before any data."""
    key = member.removesuffix(".npy")
    with archive.open(member) as stream:
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(stream)
        elif version == (2, 0):
            shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(stream)
        else:
            raise DataFileError(path, f"{key} uses .npy format {version}, which is not read.")
        if dtype.hasobject:
            raise DataFileError(
                path, f"{key} holds Python objects (dtype {dtype}), which are never unpickled."
            )
        if any(not isinstance(n, int) or n < 0 for n in shape):
            raise DataFileError(path, f"{key} has an impossible shape {shape}.")
        check(shape, dtype)
        size = math.prod(shape) * dtype.itemsize
        buffer = bytearray(size)
        view, filled = memoryview(buffer), 0
        while filled < size:
            got = stream.readinto(view[filled : filled + 2**20])
            if not got:
                raise DataFileError(
                    path,
                    f"{key} is truncated: its header says {dtype} of shape {shape} "
                    f"({size:,} bytes), but {filled:,} bytes follow.",
                )
            filled += got
        if stream.read(1):  # also makes zipfile check the member's CRC
            raise DataFileError(path, f"{key} has more bytes than its shape {shape} holds.")
    order = "F" if fortran_order else "C"
    return np.frombuffer(buffer, dtype).reshape(shape, order=order)


def _read_cifar_batches(folder):
    splits = []
    for names in ([f"data_batch_{i}" for i in range(1, 6)], ["test_batch"]):
        images, labels = [], []
        for batch in names:
            path = folder / batch
            raw = _read_bounded(path, CIFAR10_BATCH_MAX_BYTES, "a CIFAR-10 batch")
            digest = hashlib.md5(raw).hexdigest()
            if digest != CIFAR10_BATCH_MD5[batch]:
                raise DataFileError(
                    path,
                    f"has MD5 {digest}, not the published {CIFAR10_BATCH_MD5[batch]}. "
                    "It was not opened: a pickle file can run code.",
                )
            try:  # exactly the bytes whose MD5 was checked
                content = pickle.loads(raw, encoding="bytes")
                x = np.asarray(content[b"data"], np.uint8).reshape(-1, 3, 32, 32)
                y = np.asarray(content[b"labels"], np.uint8).reshape(-1)
            except _READ_ERRORS as error:
                raise DataFileError(
                    path, f"matches its MD5 but cannot be read ({type(error).__name__}: {error})."
                ) from None
            images.append(x.transpose(0, 2, 3, 1))
            labels.append(y)
        splits.append((np.concatenate(images), np.concatenate(labels)))
    return Dataset(
        "cifar10", *splits, source="local", origin=folder, path=folder, verified="MD5 verified"
    )


# --------------------------------------------------------------------------------------
# keras.datasets


def _keras_home():
    import os

    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "datasets"


def _keras_cache(name):
    for entry in _SPECS[name]["keras_cache"]:
        path = _keras_home() / entry
        if path.exists():
            return path
    return None


def _load_from_keras(name):
    """Load through keras.datasets, turning any failure into one sentence."""
    spec = _spec(name)
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(DOWNLOAD_TIMEOUT)
    try:
        import keras

        loader = getattr(keras.datasets, name).load_data
        (x_train, y_train), (x_test, y_test) = loader()
    except Exception as error:  # Keras raises a bare Exception for failed downloads.
        raise DataUnavailableError(
            f"keras.datasets could not download {spec['title']}: {explain_download_error(error)}"
        ) from None
    finally:
        socket.setdefaulttimeout(previous)
    cached = _keras_cache(name)
    return Dataset(
        name,
        (x_train, y_train.reshape(-1)),
        (x_test, y_test.reshape(-1)),
        source="keras",
        origin=cached or "download",
        path=cached,
        verified="hash checked by Keras",
    )


def explain_download_error(error):
    """Turn a failed download into a short reason and what to do about it.

    Args:
        error: the exception raised by the download.

    Returns:
        One sentence.

    Example:
    >>> explain_download_error(Exception("URL fetch failure: [Errno -2] Name or service not known"))
    'you seem to be offline (the server name could not be looked up).'
    """
    message = f"{type(error).__name__}: {error}"
    lowered = message.lower()
    if isinstance(error, (TimeoutError, socket.timeout)) or "timed out" in lowered:
        return f"the server did not answer within {DOWNLOAD_TIMEOUT} s (a slow or blocked network)."
    if "certificate" in lowered or "ssl" in lowered:
        return (
            "an SSL certificate problem (often a company proxy that rewrites "
            "certificates, or an outdated certificate store; on macOS run "
            "'Install Certificates.command' from the Python folder)."
        )
    if "proxy" in lowered or "407" in lowered or "tunnel connection failed" in lowered:
        return "a proxy refused the connection (set HTTPS_PROXY to your proxy's address)."
    if any(
        text in lowered
        for text in (
            "name or service not known",
            "temporary failure in name resolution",
            "nodename nor servname",
            "getaddrinfo failed",
            "no address associated",
            "network is unreachable",
        )
    ):
        return "you seem to be offline (the server name could not be looked up)."
    if "connection refused" in lowered or "connection reset" in lowered:
        return "the connection was refused (a firewall, or no network)."
    first_line = message.splitlines()[0] if message else type(error).__name__
    return f"{first_line[:200]}."


# --------------------------------------------------------------------------------------
# Offline stand-ins


def _standin(name):
    if name == "mnist":
        train, test = _standin_mnist()
        origin = "scikit-learn's 8x8 handwritten digits, upscaled to 28x28"
    else:
        train, test = _standin_cifar10()
        origin = "generated 32x32 colour shapes (10 classes)"
    copy = [(x.copy(), y.copy()) for x, y in (train, test)]
    class_names = STANDIN_CIFAR10_CLASS_NAMES if name == "cifar10" else None
    return Dataset(name, *copy, source="standin", origin=origin, class_names=class_names)


@lru_cache(maxsize=1)
def _standin_mnist():
    """scikit-learn's 1,797 real 8x8 digits, resized to 20x20 and centred in 28x28.

    MNIST centres each digit's 20x20 box in a 28x28 image, black background,
    white strokes; this does the same, then splits 80/20, stratified, with
    scikit-learn's ``train_test_split``: a fifth of each digit (rounded down) goes to
    the test set, 1,442 training and 355 test images in all, in shuffled order.
    """
    from PIL import Image
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    small = np.clip(digits.images * (255 / 16), 0, 255).astype(np.uint8)
    images = np.zeros((len(small), 28, 28), np.uint8)
    for i, image in enumerate(small):
        big = Image.fromarray(image).resize((20, 20), Image.Resampling.BICUBIC)
        images[i, 4:24, 4:24] = np.asarray(big)
    labels = digits.target.astype(np.uint8)
    test_size = int(np.sum(np.bincount(labels) // 5))  # a fifth of each digit, rounded down
    train_idx, test_idx = train_test_split(
        np.arange(len(labels)), test_size=test_size, stratify=labels, random_state=0
    )
    return (images[train_idx], labels[train_idx]), (images[test_idx], labels[test_idx])


@lru_cache(maxsize=1)
def _standin_cifar10(num_train=5000, num_test=1000):
    """Generated 32x32 RGB images of 10 shapes, for offline runs of the CIFAR lessons.

    Each image is one shape of its class, drawn at a random position, size,
    rotation and mirroring, in a colour drawn around its class's hue (close
    enough between classes that colour alone is not the answer), on a noisy
    gradient background. Most shapes are not symmetric, so a flip, a shift or a
    rotation gives a new view of the same class: exactly what data augmentation
    teaches a model, and why it helps on the small training set.
    """
    rng = np.random.default_rng(2024)
    train = _draw_shapes(rng, num_train)
    test = _draw_shapes(rng, num_test)
    return train, test


_SHAPES = {
    # Outlines on a unit square centred at (0, 0); filled unless noted.
    "square": [(-1, -1), (1, -1), (1, 1), (-1, 1)],
    "triangle": [(0, -1), (1, 0.9), (-1, 0.9)],
    "cross": [
        (-0.3, -1),
        (0.3, -1),
        (0.3, -0.3),
        (1, -0.3),
        (1, 0.3),
        (0.3, 0.3),
        (0.3, 1),
        (-0.3, 1),
        (-0.3, 0.3),
        (-1, 0.3),
        (-1, -0.3),
        (-0.3, -0.3),
    ],
    "bar": [(-1, -0.3), (1, -0.3), (1, 0.3), (-1, 0.3)],
    "corner": [(-1, -1), (-0.4, -1), (-0.4, 0.4), (1, 0.4), (1, 1), (-1, 1)],
    "arrow": [
        (-1, -0.25),
        (0.2, -0.25),
        (0.2, -0.7),
        (1, 0),
        (0.2, 0.7),
        (0.2, 0.25),
        (-1, 0.25),
    ],
    "star": [
        (np.cos(a) * r, np.sin(a) * r)
        for k in range(10)
        for a, r in [(np.pi / 2 + k * np.pi / 5, 1.0 if k % 2 == 0 else 0.45)]
    ],
}


def _draw_shapes(rng, count):
    from PIL import Image, ImageDraw

    scale = 2  # draw at 64x64, then shrink: smooth edges like a photo's
    size = 32 * scale
    labels = np.arange(count) % 10
    rng.shuffle(labels)
    images = np.empty((count, 32, 32, 3), np.uint8)
    yy, xx = np.mgrid[0:32, 0:32] / 31.0
    for i, label in enumerate(labels):
        name = STANDIN_CIFAR10_CLASS_NAMES[label]
        hue = (label * 0.1 + rng.normal(0, 0.08)) % 1.0
        colour = tuple(
            int(255 * c) for c in _hsv_to_rgb(hue, rng.uniform(0.5, 1), rng.uniform(0.6, 1))
        )
        canvas = Image.new("RGB", (size, size), (0, 0, 0))
        draw = ImageDraw.Draw(canvas)
        radius = rng.uniform(7, 12) * scale
        cx, cy = rng.uniform(radius, size - radius, size=2)
        angle = rng.uniform(0, 2 * np.pi)
        mirror = rng.choice([-1, 1])
        width = int(max(2, radius * 0.35))
        if name == "disc":
            draw.ellipse(
                [cx - radius, cy - radius * 0.8, cx + radius, cy + radius * 0.8], fill=colour
            )
        elif name == "ring":
            draw.ellipse(
                [cx - radius, cy - radius, cx + radius, cy + radius], outline=colour, width=width
            )
        elif name == "frame":
            draw.polygon(
                _place(_SHAPES["square"], cx, cy, radius, angle, mirror),
                outline=colour,
                width=width,
            )
        else:
            draw.polygon(_place(_SHAPES[name], cx, cy, radius, angle, mirror), fill=colour)
        shape = np.asarray(canvas.resize((32, 32), Image.Resampling.BOX), np.float32)
        mask = shape.max(axis=2, keepdims=True) > 0
        corner = rng.uniform(0, 255, size=(2, 3))
        direction = rng.uniform(0, 1)
        ramp = (xx * direction + yy * (1 - direction))[..., None]
        background = corner[0] * (1 - ramp) + corner[1] * ramp
        background += rng.normal(0, 18, size=background.shape)
        image = np.where(mask, shape, background * 0.6)
        images[i] = np.clip(image, 0, 255).astype(np.uint8)
    return images, labels.astype(np.uint8)


def _place(points, cx, cy, radius, angle, mirror):
    cos, sin = np.cos(angle), np.sin(angle)
    placed = []
    for x, y in points:
        x *= mirror
        placed.append((cx + radius * (x * cos - y * sin), cy + radius * (x * sin + y * cos)))
    return placed


def _hsv_to_rgb(h, s, v):
    import colorsys

    return colorsys.hsv_to_rgb(h, s, v)
