"""Read an image file from disk into a batch that a model can predict on."""

import os
import warnings
from pathlib import Path

import numpy as np

from course_utils.shapes import check_bool

COLOR_MODES = {"grayscale": "L", "rgb": "RGB"}  # Keras' names -> Pillow's modes
MAX_PIXELS = 120_000_000  # 120 megapixels: any phone photo (108 MP), not a decompression bomb
# Pillow modes read as they are; 16-bit ones ("I;16...", and "I" as Pillow gives 16-bit PNGs)
# are scaled to 0..255 first. Others, e.g. "F" (floats of no known range), are refused.
_MODES = ("1", "L", "LA", "La", "P", "PA", "RGB", "RGBA", "RGBa", "RGBX", "CMYK", "YCbCr")
_16_BIT = ("I;16", "I;16L", "I;16B", "I;16N", "I")


def load_image(path, target_size=(28, 28), color_mode="grayscale", invert=False):
    """Read one image file as a batch of one image, ready for ``model.predict``.

    The image is turned upright when its EXIF data says so (phone photos), converted to
    grayscale or RGB, resized to ``target_size`` when its size differs (bilinear), and
    optionally inverted. The pixels stay RAW, 0 to 255: scaling them is the model's job
    (a ``Rescaling`` layer inside it, notebook 08), so that every caller gets it right.
    16-bit images are scaled to 0..255. Transparent pixels become the background that
    contrasts with the drawing: white behind dark ink (paper; pass ``invert=True`` for
    MNIST's white on black), black behind light ink (already as MNIST).

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
        ValueError: when the file is not an image Pillow can read (damaged, truncated,
            over ``MAX_PIXELS`` pixels, a pixel mode such as 32-bit floats), or when
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
    invert = check_bool("invert", invert)
    path = _check_path(path)
    try:
        with warnings.catch_warnings():  # MAX_PIXELS, not Pillow's warning, sets the limit
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                if image.width * image.height > MAX_PIXELS:  # the header only: not decoded
                    raise ValueError(
                        f"{path} is {image.width}x{image.height} pixels, more than load_image "
                        f"reads ({MAX_PIXELS:,}): shrink it first."
                    )
                image = ImageOps.exif_transpose(image)  # decodes the pixels
                image = _to_mode(path, image, COLOR_MODES[color_mode])
    except UnidentifiedImageError:
        raise ValueError(f"{path} is not an image Pillow can read.") from None
    except Image.DecompressionBombError as error:  # over twice Pillow's own limit
        raise ValueError(
            f"{path} is too large: more than load_image reads ({MAX_PIXELS:,} pixels). "
            f"Pillow: {error}"
        ) from None
    except PermissionError:
        raise
    except (OSError, SyntaxError, EOFError) as error:  # what Pillow raises for broken files
        raise ValueError(
            f"{path} is damaged or truncated: Pillow could not decode it ({error})."
        ) from None
    if image.size != (width, height):  # Pillow sizes are (width, height)
        image = image.resize((width, height), Image.Resampling.BILINEAR)
    pixels = np.asarray(image, dtype=np.float32)
    if pixels.ndim == 2:  # grayscale: add the channel axis
        pixels = pixels[..., np.newaxis]
    if invert:
        pixels = 255 - pixels
    return pixels[np.newaxis]


def _to_mode(path, image, mode):
    """``image`` in Pillow ``mode`` ("L" or "RGB"): 16-bit scaled to 0..255, transparency
    composited on the background that contrasts with the drawing."""
    from PIL import Image

    if image.mode in _16_BIT:
        values = np.asarray(image, dtype=np.float64)
        if values.size and (values.min() < 0 or values.max() > 65535):
            raise ValueError(
                f"{path} has {image.mode!r} pixels from {values.min():.0f} to {values.max():.0f}; "
                "load_image reads 16-bit images, 0 to 65535."
            )
        image = Image.fromarray(np.round(values / 257).astype(np.uint8))  # 65535 -> 255
    elif image.mode not in _MODES:
        raise ValueError(
            f"{path} has pixel mode {image.mode!r}, which load_image does not read: "
            "save it as an 8-bit or 16-bit PNG or JPEG."
        )
    if image.mode in ("LA", "La", "PA", "RGBA", "RGBa") or "transparency" in image.info:
        image = image.convert("RGBA")
        rgba = np.asarray(image, dtype=np.float64)
        alpha = rgba[..., 3:] / 255
        ink = np.asarray(image.convert("L"), dtype=np.float64)[..., None]  # luminance
        dark_ink = alpha.sum() == 0 or (ink * alpha).sum() / alpha.sum() < 128
        rgb = rgba[..., :3] * alpha + (255.0 if dark_ink else 0.0) * (1 - alpha)
        image = Image.fromarray(np.round(rgb).astype(np.uint8))
    return image.convert(mode)


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
