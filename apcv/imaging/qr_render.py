"""A QR code as pixels: text rendered by segno into a grayscale frame.

Error correction M (the phone's choice: readable with a scratched screen or glare), the quiet
zone of 4 modules QR readers need, dark modules 0 and light ones 255. The phone's screen
(``simulators.phone``) and the ``screen:`` link's window draw their codes with it.
"""

from __future__ import annotations

import numpy as np
import segno

QUIET_ZONE = 4


def render_qr(text: str, *, scale: int = 4, error: str = "m", fit: int | None = None) -> np.ndarray:
    """``text`` as a QR code: a 2-D uint8 array, ``scale`` pixels per module, quiet zone included.

    With ``fit``, the scale is instead the largest whole number of pixels per module with which
    the code fits in ``fit``×``fit`` pixels (at least 1).
    """
    if scale < 1:
        raise ValueError(f"a QR module needs at least 1 pixel, got scale={scale}")
    code = segno.make(text, error=error, micro=False, boost_error=False)
    dark = np.pad(np.array(code.matrix, dtype=bool), QUIET_ZONE, constant_values=False)
    if fit is not None:
        scale = max(1, fit // dark.shape[0])
    pixels = np.where(dark, 0, 255).astype(np.uint8)
    return np.kron(pixels, np.ones((scale, scale), dtype=np.uint8))
