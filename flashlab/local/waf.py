"""AWS WAF's rate-based rules in front of the local gateway, read from the template's web ACL.

Deployed only with ``WafRequestsPerClient`` > 0 (``--param WafRequestsPerClient=100``), as in AWS. Each
rule counts a client's requests over its ``EvaluationWindowSec`` and blocks the client while more than
``Limit`` arrived in that window, with the rule's custom response (429, its JSON body, Retry-After).
Clients are keyed as the rule says: one header (the buyer's Authorization token) or the source IP; a
scope-down "this header is absent" applies the rule only to requests without it.

AWS checks the counts every few seconds, so a client there gets somewhat past the limit before it is
blocked; this blocks at the first request over it. Blocked requests count, as in AWS.
"""

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flashlab.template import Template

Answer = tuple[int, dict[str, str], bytes]


@dataclass
class RateRule:
    name: str
    limit: int
    window_s: float
    key_header: str | None  # None: the client's IP
    unless_header: str | None  # the rule skips requests that carry this header
    answer: Answer
    seen: dict[str, deque[float]] = field(default_factory=dict)  # key -> its newest limit + 1 request times

    def blocks(self, headers: dict[str, str], source_ip: str, now: float) -> bool:
        if self.unless_header and headers.get(self.unless_header):
            return False
        key = headers.get(self.key_header, "") if self.key_header else source_ip
        if self.key_header and not key:
            return False  # AWS WAF does not count a request that lacks the key
        times = self.seen.setdefault(key, deque(maxlen=self.limit + 1))
        times.append(now)
        return len(times) > self.limit and now - times[0] < self.window_s


class WebAcl:
    def __init__(self, rules: list[RateRule], clock: Callable[[], float] = time.monotonic) -> None:
        self.rules, self.clock = rules, clock
        self.blocked: dict[str, int] = {rule.name: 0 for rule in rules}

    @classmethod
    def from_template(cls, template: Template) -> "WebAcl | None":
        acls = template.of_type("AWS::WAFv2::WebACL")
        if not acls:
            return None
        [props] = acls.values()
        bodies = {k: v["Content"].encode() for k, v in props.get("CustomResponseBodies", {}).items()}
        rules = [_rate_rule(rule, bodies) for rule in sorted(props["Rules"], key=lambda r: r["Priority"])]
        return cls(rules)

    def check(self, headers: dict[str, str], source_ip: str) -> Answer | None:
        """The block answer of the first rule that blocks this request, else None. ``headers``: lower-case."""
        now = self.clock()
        for rule in self.rules:
            if rule.blocks(headers, source_ip, now):
                self.blocked[rule.name] += 1
                return rule.answer
        return None


def _rate_rule(rule: dict[str, Any], bodies: dict[str, bytes]) -> RateRule:
    statement = rule["Statement"].get("RateBasedStatement")
    if statement is None:
        raise NotImplementedError(f"WAF rule {rule['Name']}: the local WAF emulates rate-based rules only")
    key_header = None
    if statement["AggregateKeyType"] == "CUSTOM_KEYS":
        [key] = statement["CustomKeys"]
        key_header = key["Header"]["Name"].lower()
    elif statement["AggregateKeyType"] != "IP":
        raise NotImplementedError(f"WAF rule {rule['Name']}: aggregate key {statement['AggregateKeyType']}")
    unless_header = None
    if "ScopeDownStatement" in statement:
        size = statement["ScopeDownStatement"]["NotStatement"]["Statement"]["SizeConstraintStatement"]
        if (size["ComparisonOperator"], int(size["Size"])) != ("GT", 0):
            raise NotImplementedError(f"WAF rule {rule['Name']}: only 'header absent' scope-downs")
        unless_header = size["FieldToMatch"]["SingleHeader"]["Name"].lower()
    custom = rule["Action"]["Block"]["CustomResponse"]
    headers = {"content-type": "application/json"} | {h["Name"]: h["Value"] for h in custom.get("ResponseHeaders", [])}
    answer = (int(custom["ResponseCode"]), headers, bodies.get(custom.get("CustomResponseBodyKey", ""), b""))
    return RateRule(
        rule["Name"],
        int(statement["Limit"]),
        float(statement.get("EvaluationWindowSec", 300)),
        key_header,
        unless_header,
        answer,
    )
