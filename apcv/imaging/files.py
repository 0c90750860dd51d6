"""QR images on disk: read one as a grayscale frame, write one; bad files get one clear error.

Reading refuses what is not a regular file (a folder, a FIFO) or is over
:data:`MAX_IMAGE_BYTES`, what is not an image, an empty file, an image with no pixels and one too large
to decode safely (Pillow's decompression-bomb guard, and :data:`MAX_PIXELS`), naming the file.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from apcv.errors import ApcvError
from apcv.input_files import read_bytes

MAX_PIXELS = 50_000_000
"""Largest image read (a 50-megapixel photo); larger ones are refused before decoding."""
MAX_IMAGE_BYTES = 128 * 1024 * 1024
"""Largest image file read (well above a 50-megapixel PNG); the file is read whole, then decoded."""


class ImageFileError(ApcvError):
    """An image file cannot be read or written; the message names the file and the fault."""


def read_gray(path: str | Path) -> np.ndarray:
    """The image at ``path`` as a 2-D uint8 array (colour converted to gray, alpha on white)."""
    path = Path(path)
    data = read_bytes(path, limit=MAX_IMAGE_BYTES, what="image", error=ImageFileError)
    if not data:
        raise ImageFileError(f"{path}: is empty (0 bytes), not an image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                if width * height == 0:
                    raise ImageFileError(f"{path}: is an empty image ({width}×{height} pixels)")
                if width * height > MAX_PIXELS:
                    raise ImageFileError(f"{path}: {width}×{height} pixels is more than the "
                                         f"{MAX_PIXELS:,} an image may have")
                if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
                    flat = Image.new("RGBA", image.size, "white")
                    flat.alpha_composite(image.convert("RGBA"))
                    return np.asarray(flat.convert("L"))
                return np.asarray(image.convert("L"))
    except UnidentifiedImageError:
        raise ImageFileError(f"{path}: not an image (no image format recognised in its "
                             f"{len(data)} bytes)") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageFileError(f"{path}: refused, too many pixels to decode safely: {exc}") from None
    except (OSError, SyntaxError, ValueError) as exc:  # truncated or corrupt image data
        raise ImageFileError(f"{path}: damaged image: {exc}") from None


def write_gray(path: str | Path, pixels: np.ndarray) -> Path:
    """Write a 2-D uint8 array as the image ``path`` names (format from the suffix: .png, .jpg...)."""
    path = Path(path)
    if path.is_dir():
        raise ImageFileError(f"{path}: is a folder; give a file name such as {path / 'code.png'}")
    try:
        Image.fromarray(pixels).save(path)
    except ValueError as exc:  # Pillow: unknown extension
        raise ImageFileError(f"{path}: cannot write this image format ({exc}); use .png") from None
    except OSError as exc:
        raise ImageFileError(f"{path}: cannot be written: {exc.strerror or exc}") from None
    return path
