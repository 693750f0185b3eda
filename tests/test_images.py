"""course_utils.images: an image file in, a (1, height, width, channels) batch out."""

import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from course_utils.images import load_image


def save_png(folder, pixels, name="image.png"):
    path = Path(folder) / name
    Image.fromarray(pixels).save(path)
    return path


def gradient(height=28, width=28):
    """A uint8 image whose every pixel is different along a row: a round trip shows up."""
    return (np.arange(height * width) % 256).astype(np.uint8).reshape(height, width)


@pytest.mark.parametrize("as_str", [False, True], ids=["Path", "str"])
def test_load_image_round_trip(tmp_path, as_str):
    pixels = gradient()
    path = save_png(tmp_path, pixels)
    batch = load_image(str(path) if as_str else path)
    assert batch.shape == (1, 28, 28, 1)
    assert batch.dtype == np.float32
    np.testing.assert_array_equal(batch[0, :, :, 0], pixels)  # raw 0..255, not scaled


@pytest.mark.parametrize(
    ("pixels", "color_mode", "channels"),
    [
        (np.zeros((28, 28, 3), np.uint8), "grayscale", 1),
        (np.zeros((28, 28), np.uint8), "rgb", 3),
        (np.zeros((28, 28, 4), np.uint8), "rgb", 3),  # RGBA: the alpha channel is dropped
        (np.zeros((28, 28, 3), np.uint8), "rgb", 3),
    ],
    ids=["rgb-to-grayscale", "grayscale-to-rgb", "rgba-to-rgb", "rgb-to-rgb"],
)
def test_load_image_color_mode(tmp_path, pixels, color_mode, channels):
    batch = load_image(save_png(tmp_path, pixels), color_mode=color_mode)
    assert batch.shape == (1, 28, 28, channels)


def test_load_image_grayscale_of_colour_uses_luminance(tmp_path):
    red = np.zeros((28, 28, 3), np.uint8)
    red[..., 0] = 255
    batch = load_image(save_png(tmp_path, red))
    assert np.all(batch == 76)  # Pillow's L = 0.299 R + 0.587 G + 0.114 B, rounded


@pytest.mark.parametrize(
    ("source_size", "target_size"),
    [((28, 28), (20, 12)), ((30, 50), (28, 28)), ((100, 40), (10, 40))],
)
def test_load_image_resize_to_height_width(tmp_path, source_size, target_size):
    path = save_png(tmp_path, gradient(*source_size))
    batch = load_image(path, target_size=target_size)
    assert batch.shape == (1, *target_size, 1)


def test_load_image_resize_keeps_what_is_on_top(tmp_path):
    pixels = np.zeros((40, 20), np.uint8)
    pixels[:20] = 255  # white top half, black bottom half, in a tall image
    batch = load_image(save_png(tmp_path, pixels), target_size=(8, 4))[0, :, :, 0]
    assert np.all(batch[:3] == 255) and np.all(batch[-3:] == 0)


def test_load_image_follows_exif_orientation(tmp_path):
    pixels = np.zeros((10, 30), np.uint8)  # wide: 30 pixels across, 10 down
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: "rotate 90 degrees clockwise to view"
    path = tmp_path / "photo.png"
    Image.fromarray(pixels).save(path, exif=exif)
    with Image.open(path) as image:
        assert image.size == (30, 10)
    # Upright it is 10 across and 30 down, so asking for that size means no resize
    batch = load_image(path, target_size=(30, 10))
    assert batch.shape == (1, 30, 10, 1) and np.all(batch == 0)


@pytest.mark.parametrize("color_mode", ["grayscale", "rgb"])
def test_load_image_invert(tmp_path, color_mode):
    pixels = gradient()
    path = save_png(tmp_path, pixels)
    plain = load_image(path, color_mode=color_mode)
    inverted = load_image(path, color_mode=color_mode, invert=True)
    np.testing.assert_array_equal(inverted, 255 - plain)
    assert inverted.dtype == np.float32 and inverted.min() >= 0


@pytest.mark.parametrize(
    ("make_path", "kwargs", "error", "message"),
    [
        (
            lambda tmp: tmp / "missing.png",
            {},
            FileNotFoundError,
            r"No image file at '.*missing\.png'",
        ),
        (lambda tmp: tmp, {}, FileNotFoundError, "is a folder, not a file"),
        (
            lambda tmp: 42,
            {},
            TypeError,
            r"path must be a str or a pathlib\.Path\. Received: 42 \(int\)",
        ),
        (lambda tmp: None, {}, TypeError, r"Received: None \(NoneType\)"),
        (
            lambda tmp: save_text(tmp / "notes.png"),
            {},
            ValueError,
            r"notes\.png is not an image Pillow can read",
        ),
        (
            lambda tmp: save_png(tmp, gradient()),
            {"color_mode": "RGB"},
            ValueError,
            r"color_mode must be one of 'grayscale', 'rgb'\. Received: color_mode='RGB'",
        ),
        (
            lambda tmp: save_png(tmp, gradient()),
            {"color_mode": "rgba"},
            ValueError,
            "Received: color_mode='rgba'",
        ),
        (
            lambda tmp: save_png(tmp, gradient()),
            {"target_size": 28},
            ValueError,
            r"target_size must be two positive whole numbers, \(height, width\)\. "
            r"Received: target_size=28\.",
        ),
        (
            lambda tmp: save_png(tmp, gradient()),
            {"target_size": (28, 0)},
            ValueError,
            r"Received: target_size=\(28, 0\)",
        ),
        (
            lambda tmp: save_png(tmp, gradient()),
            {"target_size": (28.0, 28.0)},
            ValueError,
            r"Received: target_size=\(28\.0, 28\.0\)",
        ),
        (
            lambda tmp: save_png(tmp, gradient()),
            {"target_size": (28, 28, 1)},
            ValueError,
            r"Received: target_size=\(28, 28, 1\)",
        ),
    ],
    ids=[
        "missing-file",
        "folder",
        "int-path",
        "none-path",
        "not-an-image",
        "color-mode-case",
        "color-mode-rgba",
        "size-not-a-pair",
        "size-zero",
        "size-floats",
        "size-three-numbers",
    ],
)
def test_load_image_errors(tmp_path, make_path, kwargs, error, message):
    with pytest.raises(error, match=message):
        load_image(make_path(tmp_path), **kwargs)


def save_text(path):
    path.write_text("not a picture")
    return path


def test_load_image_accepts_numpy_sizes(tmp_path):
    path = save_png(tmp_path, gradient())
    assert load_image(path, target_size=np.array([14, 7]).tolist()).shape == (1, 14, 7, 1)
    assert load_image(path, target_size=(np.int64(14), np.int64(7))).shape == (1, 14, 7, 1)


def test_load_image_error_names_the_file_once(tmp_path):
    path = save_text(tmp_path / "digit.jpg")
    with pytest.raises(ValueError) as caught:
        load_image(path)
    assert len(re.findall("digit.jpg", str(caught.value))) == 1


# Damaged, huge and unusual files (issue 14): refused by name, or read right.


def png_header_claiming(path, width, height):
    """A 1x1 PNG whose header claims ``width`` x ``height``: only the header is real."""
    import struct
    import zlib

    data = bytearray(save_png(path.parent, np.zeros((1, 1), np.uint8), path.name).read_bytes())
    ihdr = data[12:29]  # b"IHDR", width, height, depth, ...
    ihdr[4:12] = struct.pack(">II", width, height)
    data[12:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(ihdr)))
    path.write_bytes(bytes(data))
    return path


def test_load_image_refuses_a_truncated_png(tmp_path):
    path = save_png(tmp_path, gradient(64, 64), "cut.png")
    path.write_bytes(path.read_bytes()[:60])
    with pytest.raises(ValueError, match=r"cut\.png is damaged or truncated: Pillow could not"):
        load_image(path)


@pytest.mark.parametrize(
    ("size", "message"),
    [
        ((11_000, 11_000), r"big\.png is 11000x11000 pixels, more than load_image reads "
                           r"\(120,000,000\): shrink it first\."),
        ((30_000, 30_000), r"big\.png is too large: more than load_image reads \(120,000,000 "
                           r"pixels\)\. Pillow: Image size \(900000000 pixels\)"),
    ],
)  # fmt: skip
def test_load_image_refuses_a_decompression_bomb_before_decoding(tmp_path, size, message):
    path = png_header_claiming(tmp_path / "big.png", *size)
    with pytest.raises(ValueError, match=message):  # not "truncated": never decoded
        load_image(path)


def test_load_image_limit_lets_a_12_megapixel_photo_through(tmp_path):
    path = png_header_claiming(tmp_path / "photo.png", 4000, 3000)  # decoded, not refused
    with pytest.raises(ValueError, match="damaged or truncated"):
        load_image(path)


def test_load_image_refuses_float_pixels(tmp_path):
    path = tmp_path / "depth.tiff"
    Image.fromarray(np.full((4, 4), 0.5, np.float32)).save(path)
    with pytest.raises(ValueError, match=r"depth\.tiff has pixel mode 'F', which load_image"):
        load_image(path)


def test_load_image_refuses_a_non_bool_invert(tmp_path):
    with pytest.raises(TypeError, match=r"invert must be True or False\. Received: invert=2\."):
        load_image(save_png(tmp_path, gradient()), invert=2)


def digit_on_transparent(ink):
    """A 28x28 RGBA "1": ``ink`` strokes, fully transparent (and black) elsewhere."""
    pixels = np.zeros((28, 28, 4), np.uint8)
    pixels[4:24, 12:16, :3] = ink
    pixels[4:24, 12:16, 3] = 255
    return pixels


@pytest.mark.parametrize("color_mode", ["grayscale", "rgb"])
def test_load_image_black_digit_on_transparent_is_a_digit(tmp_path, color_mode):
    path = save_png(tmp_path, digit_on_transparent(ink=0))
    plain = load_image(path, color_mode=color_mode)[0]
    assert np.all(plain[4:24, 12:16] == 0) and np.all(plain[:4] == 255)  # dark ink on white
    mnist = load_image(path, color_mode=color_mode, invert=True)[0]
    assert np.all(mnist[4:24, 12:16] == 255) and np.all(mnist[:4] == 0)  # as MNIST


def test_load_image_white_digit_on_transparent_stays_white_on_black(tmp_path):
    batch = load_image(save_png(tmp_path, digit_on_transparent(ink=255)))[0, :, :, 0]
    assert np.all(batch[4:24, 12:16] == 255) and np.all(batch[:4] == 0)


def test_load_image_half_transparent_ink_blends_with_the_background(tmp_path):
    pixels = digit_on_transparent(ink=0)
    pixels[4:24, 12, 3] = 128  # an anti-aliased edge, half covered
    batch = load_image(save_png(tmp_path, pixels))[0, :, :, 0]
    assert np.all(batch[4:24, 12] == 127)  # 255 x (1 - 128 / 255), rounded


def test_load_image_gray_with_alpha(tmp_path):
    pixels = np.zeros((28, 28, 2), np.uint8)  # LA: black, transparent
    pixels[10:18, 10:18, 1] = 255  # a black, opaque square
    path = tmp_path / "la.png"
    Image.fromarray(pixels, "LA").save(path)
    batch = load_image(path, invert=True)[0, :, :, 0]
    assert np.all(batch[10:18, 10:18] == 255) and batch.sum() == 255 * 64


@pytest.mark.parametrize("mode", ["I;16", "I"])
def test_load_image_scales_16_bit_images(tmp_path, mode):
    values = np.array([[0, 257 * 100, 30_000, 65_535]])
    if mode == "I;16":
        path = tmp_path / "deep.png"
        Image.fromarray(values.astype(np.uint16)).save(path)  # a 16-bit grayscale PNG
    else:
        path = tmp_path / "deep.tiff"
        Image.fromarray(values.astype(np.int32)).save(path)  # Pillow's "I" mode
    with Image.open(path) as image:
        assert image.mode == mode
    batch = load_image(path, target_size=(1, 4))
    np.testing.assert_array_equal(batch[0, 0, :, 0], [0, 100, 117, 255])  # x / 257, rounded
    rgb = load_image(path, target_size=(1, 4), color_mode="rgb")
    np.testing.assert_array_equal(rgb[0, 0, :, 1], [0, 100, 117, 255])
