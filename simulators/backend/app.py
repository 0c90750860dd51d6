"""The backend ASGI app factory (FastAPI), and the factory uvicorn workers call."""

from __future__ import annotations

import os
from functools import partial
from pathlib import Path

from fastapi import FastAPI
from fastapi.telemetry import TelemetryConfig
from fastapi_offline import FastAPIOffline
from sqlalchemy import Engine
from starlette.middleware.trustedhost import TrustedHostMiddleware

from apcv.clock import Clock, WallClock
from apcv.seeded_keys import synthetic_insurer
from simulators.backend import (
    activation,
    audit_routes,
    card_verification,
    claims,
    db,
    delegations,
    provisioning,
    qr_verification,
    rights,
    verification,
)
from simulators.backend.audit import AuditLog, AuditMiddleware
from simulators.backend.context import BackendContext
from simulators.backend.errors import BodyLimits, install_error_handlers
from simulators.backend.faults import InjectedOutages, fault_file_from_environment
from simulators.backend.keys import secret_keys
from simulators.backend.middleware_stack import build_stack
from simulators.backend.seeding import seed_directory
from simulators.backend.service_clock import DatabaseOffsetClock
from simulators.backend.service_clock import router as test_clock_router
from simulators.backend.settings import (
    DEFAULT_DB,
    ENV_ALLOWED_HOSTS,
    ENV_AUDIT,
    ENV_DB,
    ENV_KEYS,
    ENV_SEED,
    ENV_TEST_CLOCK,
    ENV_VARIANT,
)
from simulators.backend.variants import policy_of

TITLE = "apcv-hil insurer backend"
VERSION = "1.0.0"
DOCS_ASSETS = "/docs/assets"
"""Where the API documentation pages' scripts, style sheet and icon are served."""
NO_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}
"""No OpenTelemetry: FastAPI would otherwise look for a configured provider on every request."""


def create_app(engine: Engine, *, clock: Clock | None = None, seed: int = 0, variant: str | None = None,
               test_clock: bool = False, audit: bool = False, allowed_hosts: tuple[str, ...] = ()) -> FastAPI:
    """The backend on ``engine`` (schema and caller directory created if missing).

    ``seed`` picks the synthetic insurer PKI and directory keys: the rig's ``seed``. ``variant``
    names a faulty variant (:mod:`variants`; None: the reference). ``test_clock`` runs the
    service on a clock tests move forward over HTTP (:mod:`service_clock`). ``audit`` keeps the
    audit log of every request (:mod:`.audit`) and serves it to operators. ``allowed_hosts``, when
    given, are the only ``Host`` headers served (others get 400). No redirect is ever answered (a
    path with a trailing slash is 404, not a redirect built from the ``Host`` header) and no CORS
    header is sent: browsers' cross-origin calls stay refused.
    """
    policy = policy_of(variant)
    db.create_schema(engine)
    seed_directory(engine, seed)
    service_clock = clock or WallClock()
    if test_clock:
        service_clock = DatabaseOffsetClock(service_clock, engine)
    # /docs (Swagger UI) and /redoc load their scripts from /docs/assets, files shipped in the
    # fastapi-offline package: no CDN, so they work on a machine with no Internet access
    app = FastAPIOffline(title=TITLE, version=VERSION,
                         description="Insurer services behind the apCV: activation, verification, rights, "
                                     "INSi, claims and receipts, delegations. Requests are signed "
                                     "(APCV-SIG-1, see docs/backend.md).",
                         static_url=DOCS_ASSETS, swagger_ui_parameters={"validatorUrl": None},
                         telemetry=NO_TELEMETRY, redirect_slashes=False)
    app.state.backend = BackendContext(engine, service_clock, synthetic_insurer(seed), seed, policy)
    install_error_handlers(app)
    # routes are matched in order: the per-request hot path (verification, rights) first, before
    # the documentation's, as routes of the app's own router (an included router costs each request
    # a second matching pass); the middleware stack answers them without the router's layers
    app.router.routes[:0] = [route for module in (verification, rights, qr_verification, card_verification)
                             for route in module.router.routes]
    app.build_middleware_stack = partial(build_stack, app)  # type: ignore[method-assign]
    for module in (activation, claims, delegations, provisioning):
        app.include_router(module.router)
    if test_clock:
        app.include_router(test_clock_router)
    if audit:
        app.state.audit = AuditLog()
        app.include_router(audit_routes.router)

    @app.get("/v1/health", tags=["health"])
    async def health() -> dict[str, str]:
        """Liveness: the service answers and reaches its database."""
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        return {"status": "ok"}

    app.add_middleware(BodyLimits)
    if allowed_hosts:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))
    if audit:
        app.add_middleware(AuditMiddleware, log=app.state.audit, now=app.state.backend.now)
    return app


def app_from_environment() -> FastAPI:
    """The app of one uvicorn worker: database URL, key seed (the secret's folder, or a public test
    seed), variant, test clock, audit log and fault file from the environment."""
    folder = os.environ.get(ENV_KEYS)
    seed = secret_keys(Path(folder), create=False).seed if folder else int(os.environ.get(ENV_SEED, "0"))
    app = create_app(db.make_engine(os.environ.get(ENV_DB, DEFAULT_DB)),
                     seed=seed, variant=os.environ.get(ENV_VARIANT) or None,
                     test_clock=os.environ.get(ENV_TEST_CLOCK) == "1", audit=os.environ.get(ENV_AUDIT) == "1",
                     allowed_hosts=tuple(h for h in os.environ.get(ENV_ALLOWED_HOSTS, "").split(",") if h))
    if fault_file := fault_file_from_environment():
        app.add_middleware(InjectedOutages, path=fault_file)
    return app
