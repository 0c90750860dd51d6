"""The simulated 2D QR scanner: a camera model and a decoder looking at a rendered screen."""
