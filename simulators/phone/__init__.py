"""The simulated phone: the apCV app's wallet, app lock, HCE applet (APCV-R1 over NFC), rotating QR
screen, receipts and offline mode, and the phone's faulty variants."""
