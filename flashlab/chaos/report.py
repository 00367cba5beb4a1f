"""The chaos table and its RESULT line."""

from dataclasses import asdict, dataclass


@dataclass
class Row:
    fault: str
    injected: int | None  # injections that fired inside environments (None: the runner acted itself)
    accepted: int
    lost: int
    oversold: int
    duplicated: int
    disagreeing: int  # units: DynamoDB vs Postgres confirmed, plus shards taken vs confirmed
    not_final_in_time: int
    recovery_s: float
    final_p99_s: float
    dead_lettered: int
    api_errors: int = 0  # answers >= 500 other than 503 (a 503 says: nothing done, retry with the same key)

    @property
    def ok(self) -> bool:
        bad = self.lost + self.oversold + self.duplicated + self.disagreeing + self.not_final_in_time
        return bad + self.api_errors == 0

    def summary(self) -> str:
        return (
            f"accepted {self.accepted}, lost {self.lost}, oversold {self.oversold}, duplicated {self.duplicated}, "
            f"not final in time {self.not_final_in_time}, recovered in {self.recovery_s:.0f} s"
        )

    def as_dict(self) -> dict[str, object]:
        return asdict(self) | {"ok": self.ok}


HEADER = (
    "| fault | injected | accepted | lost | oversold | duplicated | disagreeing | not final in time "
    "| recovery s | final p99 s | DLQ | API 5xx | ok |"
)


def render(rows: list[Row]) -> str:
    lines = [HEADER, "|" + "---|" * 13]
    for r in rows:
        lines.append(
            f"| {r.fault} | {'-' if r.injected is None else r.injected} | {r.accepted} | {r.lost} | {r.oversold} "
            f"| {r.duplicated} | {r.disagreeing} | {r.not_final_in_time} | {r.recovery_s:.0f} | {r.final_p99_s:.0f} "
            f"| {r.dead_lettered} | {r.api_errors} | {'yes' if r.ok else 'NO'} |"
        )
    return "\n".join(lines)


def verdict(rows: list[Row]) -> tuple[bool, str]:
    bad = [r.fault for r in rows if not r.ok]
    worst = max((r.recovery_s for r in rows), default=0.0)
    line = (
        f"RESULT chaos faults={len(rows)} failed={len(bad)} lost={sum(r.lost for r in rows)} "
        f"oversold={sum(r.oversold for r in rows)} duplicated={sum(r.duplicated for r in rows)} "
        f"not_final={sum(r.not_final_in_time for r in rows)} api_5xx={sum(r.api_errors for r in rows)} "
        f"worst_recovery_s={worst:.0f}"
    )
    return not bad, line + ("" if not bad else f" failing={'; '.join(bad)}")
