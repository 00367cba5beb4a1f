"""Cold starts, in fresh interpreters.

The buyer API's: importing its app costs at most COLD_START_BUDGET times a bare `import boto3`, both
measured here in the same run (a ratio, so a slow machine moves both). Before the X-Ray SDK left the API
function the ratio was 2.7-3.2 (the SDK alone ~230 ms); 1.5-1.9 after. A heavy import on the request path
shows up here.

The worker's: what its imports made ends the cold start out of the garbage collector's reach (gc.freeze).
"""

import statistics
import subprocess
import sys

from flashlab import REPO_ROOT

COLD_START_BUDGET = 2.5
RUNS = 3
ENVIRONMENT = {
    "SALES_TABLE": "sales",
    "IDEMPOTENCY_TABLE": "idempotency",
    "ORDERS_QUEUE_URL": "http://127.0.0.1:1/000000000000/orders",
    "AWS_DEFAULT_REGION": "us-east-1",
    "PYTHONDONTWRITEBYTECODE": "1",
}
MEASURE = """
import sys, time
sys.path.insert(0, {code!r})
started = time.perf_counter()
import boto3
boto3_s = time.perf_counter() - started
started = time.perf_counter()
{app}
print(boto3_s, time.perf_counter() - started, "aws_xray_sdk" in sys.modules)
"""


def in_a_fresh_interpreter(script: str, environment: dict[str, str]) -> str:
    """What ``script`` prints, run by a new Python with only ``environment``."""
    done = subprocess.run(
        [sys.executable, "-c", script], env=environment, capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout


def measure(app: bool) -> tuple[float, float, bool]:
    code = str(REPO_ROOT / "functions" / "order_api")
    script = MEASURE.format(code=code, app="import app" if app else "pass")
    boto3_s, app_s, xray = in_a_fresh_interpreter(script, ENVIRONMENT).split()
    return float(boto3_s), float(app_s), xray == "True"


def test_the_api_app_imports_within_its_budget_of_a_bare_boto3_import():
    runs = [measure(app=True) for _ in range(RUNS)]
    boto3_alone = statistics.median(measure(app=False)[0] for _ in range(RUNS))
    app_after_boto3 = statistics.median(app_s for _, app_s, _ in runs)
    assert not any(xray for *_, xray in runs), "the API function imports the X-Ray SDK again"
    assert app_after_boto3 <= COLD_START_BUDGET * boto3_alone, (
        f"importing the API app took {app_after_boto3 * 1000:.0f} ms, "
        f"{app_after_boto3 / boto3_alone:.1f}x a bare import boto3 ({boto3_alone * 1000:.0f} ms)"
    )


WORKER_ENVIRONMENT = {"DATABASE_URL": "postgresql://nowhere/flashdeal", "SALES_TABLE": "sales", **ENVIRONMENT}
COUNT_TRACKED = """
import gc, sys
sys.path.insert(0, {code!r})
import app
print(gc.get_freeze_count(), len(gc.get_objects()))
"""


def test_the_worker_s_cold_start_leaves_what_its_imports_made_to_no_collection():
    code = str(REPO_ROOT / "functions" / "order_worker")
    output = in_a_fresh_interpreter(COUNT_TRACKED.format(code=code), WORKER_ENVIRONMENT)
    frozen, still_collected = (int(v) for v in output.split())
    assert frozen > 20 * still_collected, f"{frozen} objects frozen, {still_collected} left to the collector"
