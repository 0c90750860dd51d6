"""The scanner plan: a 2D QR scanner under test, shown the phone's codes on a display."""
