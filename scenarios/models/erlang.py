"""Erlang C: the exact steady-state mean wait in queue of an M/M/c system."""

from __future__ import annotations

from scenarios.models.errors import ModelError


def check_mmc(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Validate M/M/c parameters and return the utilisation ρ = λ / (c μ), which must be < 1."""
    if not arrival_rate > 0:
        raise ModelError(f"arrival rate must be positive (got {arrival_rate})")
    if not service_rate > 0:
        raise ModelError(f"service rate must be positive (got {service_rate})")
    if servers < 1:
        raise ModelError(f"servers must be at least 1 (got {servers})")
    rho = arrival_rate / (servers * service_rate)
    if rho >= 1:
        raise ModelError(
            f"utilisation ρ = λ/(cμ) = {rho:.3f} ≥ 1: the queue grows without bound "
            "(lower the arrival rate or add servers)"
        )
    return rho


def erlang_c(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Probability that an arriving customer has to wait (Erlang's C formula)."""
    rho = check_mmc(arrival_rate, service_rate, servers)
    load = arrival_rate / service_rate
    # Erlang B by its stable recurrence, then C from B.
    blocking = 1.0
    for k in range(1, servers + 1):
        blocking = load * blocking / (k + load * blocking)
    return blocking / (1 - rho * (1 - blocking))


def mean_wait_in_queue(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean time a customer waits before service starts, Wq = C / (c μ − λ)."""
    probability = erlang_c(arrival_rate, service_rate, servers)
    return probability / (servers * service_rate - arrival_rate)
