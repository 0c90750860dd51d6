"""The practitioner's 2D scanner simulated: QR decoders behind one interface, a camera scanner."""
