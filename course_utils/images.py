"""Read an image file from disk into a batch that a model can predict on."""

import os
from pathlib import Path

import numpy as np

COLOR_MODES = {"grayscale": "L", "rgb": "RGB"}  # Keras' names -> Pillow's modes


def load_image(path, target_size=(28, 28), color_mode="grayscale", invert=False):
    """Read one image file as a batch of one image, ready for ``model.predict``.

    The image is turned upright when its EXIF data says so (phone photos), converted to
    grayscale or RGB, resized to ``target_size`` when its size differs (bilinear), and
    optionally inverted. The pixels stay RAW, 0 to 255: scaling them is the model's job
    (a ``Rescaling`` layer inside it, notebook 08), so that every caller gets it right.

    Args:
        path: the image file, a str or a ``pathlib.Path`` (PNG, JPEG, anything Pillow
            reads).
        target_size: ``(height, width)`` of the result, as in Keras.
        color_mode: ``"grayscale"`` (1 channel) or ``"rgb"`` (3 channels), as in Keras.
        invert: replace each pixel ``x`` by ``255 - x``: for dark ink on white paper,
            since MNIST digits are white on black.

    Returns:
        A float32 array of shape ``(1, height, width, channels)`` with values 0 to 255.

    Raises:
        TypeError: when ``path`` is not a str or a path.
        FileNotFoundError: when there is no file at ``path``.
        ValueError: when the file is not an image Pillow can read, or when
            ``color_mode`` or ``target_size`` is not valid; the message quotes it.

    Example:
    >>> import tempfile
    >>> from PIL import Image
    >>> path = os.path.join(tempfile.mkdtemp(), "white.png")
    >>> Image.fromarray(np.full((8, 12), 255, np.uint8)).save(path)
    >>> batch = load_image(path)
    >>> batch.shape, batch.dtype, float(batch.min()), float(batch.max())
    ((1, 28, 28, 1), dtype('float32'), 255.0, 255.0)
    >>> load_image(path, target_size=(4, 6), color_mode="rgb", invert=True).shape
    (1, 4, 6, 3)
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    height, width = _check_target_size(target_size)
    if color_mode not in COLOR_MODES:
        raise ValueError(
            f"color_mode must be one of {', '.join(map(repr, COLOR_MODES))}. "
            f"Received: color_mode={color_mode!r}."
        )
    path = _check_path(path)
    try:
        with Image.open(path) as image:
            image = ImageOps.exif_transpose(image).convert(COLOR_MODES[color_mode])
    except UnidentifiedImageError:
        raise ValueError(f"{path} is not an image Pillow can read.") from None
    if image.size != (width, height):  # Pillow sizes are (width, height)
        image = image.resize((width, height), Image.Resampling.BILINEAR)
    pixels = np.asarray(image, dtype=np.float32)
    if pixels.ndim == 2:  # grayscale: add the channel axis
        pixels = pixels[..., np.newaxis]
    if invert:
        pixels = 255 - pixels
    return pixels[np.newaxis]


def _check_target_size(target_size):
    """``(height, width)`` as two ints, or a ValueError that quotes what was received."""
    if (
        isinstance(target_size, (tuple, list))
        and len(target_size) == 2
        and all(
            isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n > 0
            for n in target_size
        )
    ):
        return int(target_size[0]), int(target_size[1])
    raise ValueError(
        "target_size must be two positive whole numbers, (height, width). "
        f"Received: target_size={target_size!r}."
    )


def _check_path(path):
    """``path`` as a Path to an existing file, or a TypeError/FileNotFoundError."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            f"path must be a str or a pathlib.Path. Received: {path!r} ({type(path).__name__})."
        )
    path = Path(path)
    if not path.is_file():
        problem = "is a folder, not a file" if path.is_dir() else "does not exist"
        raise FileNotFoundError(
            f"No image file at {str(path)!r}: it {problem} "
            f"(relative paths start from the current folder, {Path.cwd()})."
        )
    return path
