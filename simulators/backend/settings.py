"""Settings names shared by the backend and its command line (kept free of heavy imports)."""

DEFAULT_DB = "sqlite:///apcv-backend.sqlite3"
ENV_DB = "APCV_BACKEND_DB"
ENV_SEED = "APCV_BACKEND_SEED"
ENV_VARIANT = "APCV_BACKEND_VARIANT"
ENV_TEST_CLOCK = "APCV_BACKEND_TEST_CLOCK"
ENV_FAULTS = "APCV_BACKEND_FAULTS"
ENV_AUDIT = "APCV_BACKEND_AUDIT"
