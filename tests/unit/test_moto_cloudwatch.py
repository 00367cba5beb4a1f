"""The embedded stack's moto CloudWatch (flashlab.local.moto_server): percentiles, dimensions in any order."""

from datetime import UTC, datetime, timedelta

import boto3
import pytest
from moto import mock_aws

from flashlab.local.moto_server import install, percentile


def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50
    assert percentile(values, 99) == 99
    assert percentile(values, 99.9) == 100
    assert percentile([7.0], 99) == 7
    assert percentile([], 50) is None


@pytest.fixture
def cloudwatch():
    install()
    with mock_aws():
        yield boto3.client("cloudwatch", region_name="us-east-1")


def query(cloudwatch, dimensions, stat):
    now = datetime.now(UTC)
    metric = {"Namespace": "FlashDeal", "MetricName": "Lag", "Dimensions": dimensions}
    answer = cloudwatch.get_metric_data(
        MetricDataQueries=[{"Id": "q", "MetricStat": {"Metric": metric, "Period": 60, "Stat": stat}}],
        StartTime=now - timedelta(minutes=2),
        EndTime=now + timedelta(minutes=2),
    )
    return answer["MetricDataResults"][0]["Values"]


def test_a_percentile_and_dimensions_in_either_order(cloudwatch):
    stored = [{"Name": "reason", "Value": "sold_out"}, {"Name": "service", "Value": "flashdeal"}]
    values = [float(v) for v in range(1, 101)]
    cloudwatch.put_metric_data(
        Namespace="FlashDeal", MetricData=[{"MetricName": "Lag", "Dimensions": stored, "Values": values}]
    )
    assert query(cloudwatch, stored, "p99") == [99.0]
    assert query(cloudwatch, list(reversed(stored)), "Sum") == [5050.0]
