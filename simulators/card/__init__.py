"""The physical carte Vitale, simulated as an ISO 7816 card with the app's data."""
