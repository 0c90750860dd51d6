"""Traces of every exchange: JSON lines and pcapng that Wireshark dissects, NIRs masked."""

from harness.trace.events import TraceEvent
from harness.trace.recorder import TraceRecorder
from harness.trace.redact import redact_nirs

__all__ = ["TraceEvent", "TraceRecorder", "redact_nirs"]
