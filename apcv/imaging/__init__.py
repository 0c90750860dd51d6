"""QR images: camera conditions applied to frames, and the libraries that decode them."""
