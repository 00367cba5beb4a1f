-- Who waits for whom, right now: every backend that waits for a lock, the backends blocking it, what each
-- runs, and how old its transaction is. The oldest transaction of the database comes last.
-- Used by `make locks` and by the runbook (RDS: run it through psql against the cluster endpoint).
SELECT waiting.pid                                        AS waiting_pid,
       waiting.wait_event_type || ':' || waiting.wait_event AS waits_on,
       round(extract(epoch FROM now() - waiting.query_start) * 1000) AS waiting_ms,
       left(waiting.query, 60)                            AS waiting_query,
       blocker.pid                                        AS blocking_pid,
       blocker.state                                      AS blocker_state,
       round(extract(epoch FROM now() - blocker.xact_start) * 1000) AS blocker_xact_ms,
       left(blocker.query, 60)                            AS blocker_query
FROM pg_stat_activity AS waiting
JOIN LATERAL unnest(pg_blocking_pids(waiting.pid)) AS blocking(pid) ON true
JOIN pg_stat_activity AS blocker ON blocker.pid = blocking.pid
WHERE waiting.datname = current_database()
UNION ALL
SELECT NULL, 'oldest transaction', NULL, NULL, pid, state,
       round(extract(epoch FROM now() - xact_start) * 1000), left(query, 60)
FROM (SELECT * FROM pg_stat_activity
      WHERE datname = current_database() AND xact_start IS NOT NULL AND pid <> pg_backend_pid()
      ORDER BY xact_start LIMIT 1) AS oldest
ORDER BY waiting_ms DESC NULLS LAST;
