"""The operating system's PC/SC stack: finding, starting and stopping ``pcscd``."""

from harness.pcsc.daemon import PcscDaemon, PcscdUnavailable, ensure_pcscd, pcscd_running

__all__ = ["PcscDaemon", "PcscdUnavailable", "ensure_pcscd", "pcscd_running"]
