"""APCV-R1, the apCV's presentation profile: APDU framing and constants, the session
(ECDH, HKDF, AES-GCM), COSE, credentials and certificates, presentation claims, QR tokens, the
card-side responder, and the requirement catalogue (``requirements.yaml``, docs/protocol.md)."""
