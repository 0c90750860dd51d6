"""The national rollout: activations, practitioners, identity-check operators, backend load."""
