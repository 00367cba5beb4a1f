"""The operator's view in template.yaml: every alarm notifies someone, every metric exists, logs are kept."""

import ast
from pathlib import Path

import pytest

from flashlab import REPO_ROOT
from flashlab.dashboard.definition import alarm_metrics, placeholders, widgets
from flashlab.template import Template

# Metrics AWS publishes by itself (its CloudWatch docs for each service), with the dimensions used here.
AWS_PUBLISHED = {
    "AWS/ApiGateway": {"Count", "4XXError", "5XXError", "Latency", "IntegrationLatency"},
    "AWS/Lambda": {"Invocations", "Errors", "Throttles", "Duration", "ConcurrentExecutions"},
    "AWS/SQS": {
        "ApproximateNumberOfMessagesVisible",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateAgeOfOldestMessage",
        "NumberOfMessagesSent",
    },
    "AWS/RDS": {"DatabaseConnections", "ClientConnections", "DatabaseConnectionsBorrowLatency"},
}
SOURCES = [REPO_ROOT / "layers" / "flashdeal" / "flashdeal", REPO_ROOT / "functions"]
SLOS = ["AcceptAvailability", "AcceptLatency", "SettleLag"]


def emitted_by_code() -> set[str]:
    """Metric names the code passes to Powertools: add_metric/single_metric(name=...), count_by_reason("...")."""
    names = set()
    for path in (p for root in SOURCES for p in Path(root).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            callee = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if callee in ("add_metric", "single_metric"):
                names |= {k.value.value for k in node.keywords if k.arg == "name" and isinstance(k.value, ast.Constant)}
            if callee == "count_by_reason" and node.args and isinstance(node.args[0], ast.Constant):
                names.add(node.args[0].value)
    return names


def error_codes() -> set[str]:
    tree = ast.parse((REPO_ROOT / "layers/flashdeal/flashdeal/errors.py").read_text())
    return {
        n.value.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "code" and isinstance(n.value, ast.Constant)
    }


@pytest.fixture(scope="module")
def template() -> Template:
    return Template()


@pytest.fixture(scope="module")
def dashboard(template):
    return widgets(template, {name: name for name in placeholders(template)})


def known(namespace: str, name: str) -> bool:
    return name in emitted_by_code() if namespace == "FlashDeal" else name in AWS_PUBLISHED.get(namespace, set())


def test_the_code_scan_finds_what_the_handlers_emit():
    """The check below can fail: it knows the metrics the code emits, and not others."""
    assert {"OrdersAccepted", "OrdersConfirmed", "OrdersRejected", "SettleLag", "SettleFailures"} <= emitted_by_code()
    assert "OrdersTeleported" not in emitted_by_code()


def test_every_metric_an_alarm_names_is_emitted_by_the_code_or_published_by_aws(template):
    unknown = {a: m for a, ms in alarm_metrics(template).items() for m in ms if not known(m[0], m[1])}
    assert not unknown


def test_every_metric_a_widget_names_is_emitted_by_the_code_or_published_by_aws(dashboard):
    unknown = [(w.title, m.name) for w in dashboard for m in w.metrics if not known(m.namespace, m.name)]
    assert not unknown
    reasons = {v for w in dashboard for m in w.metrics for k, v in m.dimensions if k == "reason"}
    assert reasons <= error_codes(), "a reason dimension is an error code the code counts by"


def test_every_alarm_notifies_the_topic_or_feeds_a_composite_alarm_that_does(template):
    composites = template.of_type("AWS::CloudWatch::CompositeAlarm")
    rules = " ".join(str(c["AlarmRule"]) for c in composites.values() if c.get("AlarmActions"))
    for name, alarm in (template.of_type("AWS::CloudWatch::Alarm") | composites).items():
        notifies = alarm.get("AlarmActions") == ["AlarmTopic"]  # the Ref, resolved to the logical id
        assert notifies or f"${{{name}}}" in rules, f"{name} notifies nobody"


def test_each_slo_pages_fast_and_tickets_slow_on_two_windows_each(template):
    composites = template.of_type("AWS::CloudWatch::CompositeAlarm")
    alarms = template.of_type("AWS::CloudWatch::Alarm")
    for slo in SLOS:
        for severity, windows, burn in (("Page", ("1h", "5m"), 14.4), ("Ticket", ("6h", "30m"), 6)):
            rule = str(composites[f"{slo}{severity}"]["AlarmRule"])
            for window in windows:
                assert f"${{{slo}Burn{window}}}" in rule
                assert alarms[f"{slo}Burn{window}"]["Threshold"] == burn
            assert " AND " in rule


def test_alarm_email_subscribes_to_the_topic_only_when_given(template):
    assert not template.exists("AlarmEmailSubscription")
    with_email = Template({"AlarmEmail": "oncall@example.com"})
    assert with_email.of_type("AWS::SNS::Subscription")["AlarmEmailSubscription"]["Endpoint"] == "oncall@example.com"


def test_every_function_log_group_and_the_access_log_keep_a_retention(template):
    groups = template.of_type("AWS::Logs::LogGroup")
    named = {str(g["LogGroupName"]) for g in groups.values()}
    for function in template.functions():
        assert any(function in name for name in named), f"{function} has no log group of ours"
    assert all(g["RetentionInDays"] == 30 for g in groups.values())
    access = template.doc["Resources"]["RestApi"]["Properties"]["AccessLogSetting"]
    assert access["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogs", "Arn"]}


def test_per_method_api_metrics_are_on_for_every_method_setting(template):
    settings = template.doc["Resources"]["RestApi"]["Properties"]["MethodSettings"]
    assert all(s.get("MetricsEnabled") is True for s in settings)


def test_the_runbook_covers_every_alarm_and_carries_the_lock_query_verbatim(template):
    runbook = (REPO_ROOT / "docs" / "runbook.md").read_text()
    alarms = set(template.of_type("AWS::CloudWatch::Alarm")) | set(template.of_type("AWS::CloudWatch::CompositeAlarm"))
    notifying = {a for a in alarms if "Burn" not in a}  # the window alarms only feed their composite
    assert not [a for a in notifying if f"`{a}`" not in runbook]
    assert (REPO_ROOT / "db" / "queries" / "lock_chains.sql").read_text().strip() in runbook
