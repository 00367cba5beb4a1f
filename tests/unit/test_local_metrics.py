"""EMF read as CloudWatch reads it, an environment's stdout tap, and PutMetricData as the stack sends it."""

import io
import json

import boto3
from moto import mock_aws

from flashlab.local import aws_metrics, emf
from flashlab.local.metric_publisher import MetricPublisher, metric_data

LINE = json.dumps(
    {
        "_aws": {
            "Timestamp": 1_795_440_000_000,
            "CloudWatchMetrics": [
                {
                    "Namespace": "FlashDeal",
                    "Dimensions": [["reason", "service"]],
                    "Metrics": [{"Name": "OrdersRejected", "Unit": "Count"}],
                }
            ],
        },
        "reason": "sold_out",
        "service": "flashdeal",
        "OrdersRejected": [1.0, 1.0],
    }
)


def test_an_emf_line_becomes_its_metrics_and_any_other_line_none():
    [datum] = emf.parse(LINE)
    assert (datum.namespace, datum.name, datum.unit) == ("FlashDeal", "OrdersRejected", "Count")
    assert datum.dimensions == (("reason", "sold_out"), ("service", "flashdeal"))
    assert datum.values == (1.0, 1.0)
    assert emf.parse('{"level": "INFO", "message": "order accepted"}') == []
    assert emf.parse('{"_aws": "not a directive"}') == []


def test_the_tap_keeps_emf_lines_and_passes_the_rest_on_even_when_written_in_pieces():
    out = io.StringIO()
    tap = emf.StdoutTap(out)
    tap.write('{"level": "INFO"}\n' + LINE[:20])
    tap.write(LINE[20:] + "\nplain\n")
    assert out.getvalue() == '{"level": "INFO"}\nplain\n'
    assert tap.take() == [LINE]
    assert tap.take() == []


def test_counts_go_as_statistic_sets_and_durations_as_raw_values():
    data = aws_metrics.api_request("flashdeal-dev", "dev", "POST", "/sales/{sale_id}/orders", 409, 12.5)
    data += aws_metrics.api_request("flashdeal-dev", "dev", "POST", "/sales/{sale_id}/orders", 202, 30.0)
    entries = metric_data(d for d in data if ("Method", "POST") in d.dimensions)["AWS/ApiGateway"]
    by_name = {e["MetricName"]: e for e in entries}
    assert by_name["Count"]["StatisticValues"] == {"SampleCount": 2, "Sum": 2.0, "Minimum": 1.0, "Maximum": 1.0}
    assert by_name["4XXError"]["StatisticValues"]["Sum"] == 1.0
    assert sorted(by_name["Latency"]["Values"]) == [12.5, 30.0]


def test_the_publisher_puts_what_it_was_given_into_cloudwatch():
    with mock_aws():
        cloudwatch = boto3.client("cloudwatch", region_name="us-east-1")
        publisher = MetricPublisher(cloudwatch)
        publisher.publish_emf([LINE, "not emf"])
        publisher.publish(aws_metrics.lambda_invocation("OrderWorkerFunction", 40.0, failed=False))
        publisher.flush()
        names = {m["MetricName"] for m in cloudwatch.list_metrics()["Metrics"]}
    assert {"OrdersRejected", "Invocations", "Errors", "Duration"} <= names
    assert publisher.counts.points_sent == 2 + 3
    assert publisher.counts.failed_puts == 0
