"""The bottom layer of apcv-hil: the APCV-R1 profile and the kernel every other layer shares.

Codecs (APDUs, COSE, QR tokens, NIR), session crypto, the people data model, the clock,
QR image decoding and camera conditions, and the error base classes. Nothing here imports
``simulators``, ``harness`` or ``scenarios``.
"""
