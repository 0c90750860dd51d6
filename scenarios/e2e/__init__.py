"""End-to-end scenarios: unlock, present by NFC or QR, verify, rights, claim and receipt."""
