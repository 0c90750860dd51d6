"""Traces of every exchange: JSON lines and pcapng that Wireshark dissects, NIRs masked."""

from apcv.trace.events import TraceEvent
from apcv.trace.recorder import TraceRecorder
from apcv.trace.redact import redact_nirs

__all__ = ["TraceEvent", "TraceRecorder", "redact_nirs"]
