"""Where a plan ran: OS, Python, the harness and every installed package, pcscd and its drivers.

System package versions come from dpkg (Debian and derivatives); elsewhere they read
``unknown``. Nothing here fails: an absent tool is reported as absent.
"""

from __future__ import annotations

import platform
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

SYSTEM_PACKAGES = ("pcscd", "libpcsclite1", "libccid", "vsmartcard-vpcd", "libnfc6", "tshark")
"""The PC/SC daemon, its library, drivers (CCID readers, vpcd) and tools the harness relies on."""
DRIVERS_DIR = Path("/usr/lib/pcsc/drivers")
TIMEOUT_S = 5.0


def _run(*command: str) -> str:
    if shutil.which(command[0]) is None:
        return ""
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    except (OSError, subprocess.SubprocessError):
        return ""
    return (done.stdout or done.stderr).strip()


def os_name() -> str:
    """The distribution's PRETTY_NAME, else the platform string."""
    try:
        return platform.freedesktop_os_release().get("PRETTY_NAME", platform.platform())
    except OSError:
        return platform.platform()


def harness_version() -> str:
    """The installed apcv-hil version."""
    try:
        return metadata.version("apcv-hil")
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"


def python_packages() -> dict[str, str]:
    """Every installed Python distribution and its version, by name."""
    found = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            found[name] = dist.version
    return dict(sorted(found.items(), key=lambda item: item[0].lower()))


def system_packages() -> dict[str, str]:
    """Versions of :data:`SYSTEM_PACKAGES` from dpkg (``not installed`` / ``unknown``)."""
    output = _run("dpkg-query", "-W", "-f", "${Package} ${db:Status-Status} ${Version}\\n", *SYSTEM_PACKAGES)
    found = dict.fromkeys(SYSTEM_PACKAGES, "unknown" if not shutil.which("dpkg-query") else "not installed")
    for line in output.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] in found and parts[1] == "installed":
            found[parts[0]] = parts[2]
    return found


def pcsc_drivers() -> list[str]:
    """The driver bundles and serial drivers pcscd loads."""
    if not DRIVERS_DIR.is_dir():
        return []
    return sorted(str(path.relative_to(DRIVERS_DIR)) for path in DRIVERS_DIR.rglob("*")
                  if path.suffix in (".bundle", ".so") and ".bundle/" not in path.as_posix())


def collect_environment() -> dict[str, Any]:
    """The environment block of a bundle's ``environment.json``."""
    pcscd = _run("pcscd", "--version").splitlines()
    return {
        "os": os_name(),
        "kernel": f"{platform.system()} {platform.release()}",
        "machine": platform.machine(),
        "python": sys.version.split()[0],
        "python_implementation": platform.python_implementation(),
        "harness": harness_version(),
        "pcscd": pcscd[0] if pcscd else "not installed",
        "pcsc_drivers": pcsc_drivers(),
        "system_packages": system_packages(),
        "python_packages": python_packages(),
    }
