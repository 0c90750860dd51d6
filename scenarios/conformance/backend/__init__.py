"""The backend plan: the insurer backend as the device under test."""
