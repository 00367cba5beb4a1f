"""X-Ray through Powertools' Tracer, for the functions whose cold start no buyer waits on.

Importing the X-Ray SDK costs ~230 ms of init on this machine, a third of the API function's cold start,
so the buyer-facing API does without it: Lambda's active tracing still records its invocations, and its
latency is measured by API Gateway's metrics and the SLO alarms (decision log, 2026-11-23).
"""

from aws_lambda_powertools import Tracer

tracer = Tracer()
