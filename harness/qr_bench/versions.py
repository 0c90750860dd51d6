"""Versions of the QR libraries a matrix was measured with (they change the figures)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version


def library_versions() -> dict[str, str]:
    """Package versions of zxing-cpp, pyzbar and OpenCV (``absent`` when not installed)."""
    found = {}
    for package in ("zxing-cpp", "pyzbar", "opencv-python-headless"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "absent"
    return found
