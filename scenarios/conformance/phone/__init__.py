"""The phone plan: a phone under test as a reader sees it (selection, framing, session, QR)."""
