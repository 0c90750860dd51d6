"""The APCV-R1 protocol profile: ISO 7816-4 framing, session crypto, presentations and QR tokens."""
