"""The card plan: the physical carte Vitale (APCV-R1 §8)."""
