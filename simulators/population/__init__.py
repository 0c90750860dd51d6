"""The synthetic population: seeded insured people in households, and practitioners (Faker
``fr_FR``, synthetic NIRs only)."""
