"""The bottom layer of apcv-hil: the APCV-R1 profile, the kernel every other layer shares, and
the links and traces built on them.

The profile and the kernel: codecs (APDUs, COSE, QR tokens, NIR), session crypto, the people
data model, the clock, QR imaging (rendering, camera conditions, decoders), input-file reading,
seeded test keys and the error base classes. On them, :mod:`apcv.links` (one module per URL
scheme: reader and card ends, scanners, displays) and :mod:`apcv.trace` (JSON lines and
pcapng): they carry bytes, payloads and requests, know no device, and are what the simulators
and the harness both talk through. Nothing here imports ``simulators``, ``harness`` or
``scenarios``; the profile and the kernel import neither links nor traces.
"""
