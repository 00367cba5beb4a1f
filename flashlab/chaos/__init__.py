"""`make chaos`: faults injected into the embedded stack during a burst, and the invariants checked after."""
