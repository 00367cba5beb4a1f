"""The SQS event source mapping, as Lambda runs it, read from the function's SQS event in template.yaml.

- pollers gather up to ``BatchSize`` records, waiting up to ``MaximumBatchingWindowInSeconds``;
- at most ``ScalingConfig.MaximumConcurrency`` batches are in flight;
- an invocation the function throttles (reserved concurrency) leaves its messages invisible until the
  visibility timeout ends, and their receive count has grown;
- with ``ReportBatchItemFailures`` only the reported records return to the queue; a failed invocation
  returns all of them;
- the queue's redrive policy (``maxReceiveCount``) moves a message to the DLQ (SQS itself does this).
"""

import threading
import time
from dataclasses import dataclass
from typing import Any

from flashlab.events import queue_arn, sqs_event, sqs_record
from flashlab.local.runtime import FunctionFailedError, FunctionRuntime, ThrottledError
from flashlab.template import SqsSource

DEFAULT_POLLERS = 5  # without ScalingConfig, AWS starts with five pollers and scales up
RECEIVE_WAIT_S = 1


@dataclass
class SourceStats:
    batches: int = 0
    records_ok: int = 0
    records_failed: int = 0
    throttled_batches: int = 0
    failed_invocations: int = 0
    in_flight: int = 0
    peak_in_flight: int = 0
    largest_batch: int = 0
    receive_errors: int = 0  # ReceiveMessage calls that failed: what they took stays invisible until its timeout


class SqsEventSource:
    def __init__(self, sqs: Any, queue_name: str, queue_url: str, source: SqsSource, runtime: FunctionRuntime):
        self.sqs = sqs
        self.queue_url = queue_url
        self.arn = queue_arn(queue_name)
        self.source = source
        self.runtime = runtime
        self.pollers = source.maximum_concurrency or DEFAULT_POLLERS
        self.stats = SourceStats()
        self._lock = threading.Lock()
        # moto can hand one message to two concurrent receivers; SQS does not within a visibility timeout.
        self._receive_lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._poll, name=f"sqs-poller-{i}", daemon=True) for i in range(self.pollers)
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(RECEIVE_WAIT_S + self.runtime.spec.timeout_s + 5)

    def _poll(self) -> None:
        while not self._stop.is_set():
            batch = self._gather()
            if batch:
                self._invoke(batch)

    def _gather(self) -> list[dict[str, Any]]:
        batch: list[dict[str, Any]] = []
        window = self.source.batching_window_s
        deadline = time.monotonic() + window
        while not self._stop.is_set() and len(batch) < self.source.batch_size:
            wait = RECEIVE_WAIT_S if not batch else max(0.0, min(RECEIVE_WAIT_S, deadline - time.monotonic()))
            try:
                with self._receive_lock:
                    answer = self.sqs.receive_message(
                        QueueUrl=self.queue_url,
                        MaxNumberOfMessages=min(10, self.source.batch_size - len(batch)),
                        WaitTimeSeconds=round(wait),
                        AttributeNames=["All"],
                        MessageAttributeNames=["All"],
                    )
            except Exception:  # the endpoint is going away (shutdown) or hiccuped; try again
                with self._lock:
                    self.stats.receive_errors += 1
                time.sleep(0.2)
                continue
            messages = answer.get("Messages", [])
            if messages and not batch:
                deadline = time.monotonic() + window
            batch.extend(messages)
            if batch and (window == 0 or time.monotonic() >= deadline):
                break
        return batch

    def _invoke(self, messages: list[dict[str, Any]]) -> None:
        event = sqs_event(
            [
                sqs_record(
                    m["Body"],
                    self.arn,
                    message_id=m["MessageId"],
                    receipt_handle=m["ReceiptHandle"],
                    attributes=m.get("Attributes"),
                    md5_of_body=m.get("MD5OfBody", ""),
                )
                for m in messages
            ]
        )
        with self._lock:
            self.stats.batches += 1
            self.stats.largest_batch = max(self.stats.largest_batch, len(messages))
            self.stats.in_flight += 1
            self.stats.peak_in_flight = max(self.stats.peak_in_flight, self.stats.in_flight)
        try:
            answer = self.runtime.invoke(event)
        except ThrottledError:
            with self._lock:
                self.stats.throttled_batches += 1
            time.sleep(0.1)  # the messages stay invisible until their visibility timeout ends
            return
        except FunctionFailedError:
            with self._lock:
                self.stats.failed_invocations += 1
                self.stats.records_failed += len(messages)
            return
        finally:
            with self._lock:
                self.stats.in_flight -= 1
        failed = self._failed_ids(answer, messages)
        done = [m for m in messages if m["MessageId"] not in failed]
        for start in range(0, len(done), 10):
            chunk = done[start : start + 10]
            self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)],
            )
        with self._lock:
            self.stats.records_ok += len(done)
            self.stats.records_failed += len(failed)

    def _failed_ids(self, answer: Any, messages: list[dict[str, Any]]) -> set[str]:
        if not self.source.report_batch_item_failures:
            return set()
        ids = {m["MessageId"] for m in messages}
        try:
            failed = {f["itemIdentifier"] for f in (answer or {}).get("batchItemFailures", [])}
        except (AttributeError, KeyError, TypeError):
            return ids  # an unreadable response fails the whole batch, as in Lambda
        return ids if failed - ids else failed
