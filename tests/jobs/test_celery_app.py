"""Tasks are routed to the queue of what they do (collect, analyse, alert, report)."""

from __future__ import annotations

from yuqing.jobs.celery_app import QUEUES, make_app, queue_for, route
from yuqing.jobs.tasks import SCHEDULE


def test_every_periodic_task_has_a_queue_a_worker_takes_by_default() -> None:
    assert {queue_for(p.name) for p in SCHEDULE} <= set(QUEUES)
    assert queue_for("collect.tick") == "collect" and queue_for("analyse.pending") == "analyse"
    assert queue_for("case.remind_due") == "alert" and queue_for("audit.verify") == "report"
    app = make_app("redis://127.0.0.1:6379/15")
    assert [q.name for q in app.conf.task_queues] == list(QUEUES)


def test_the_generic_task_is_routed_by_the_name_it_runs() -> None:
    assert route("yuqing.run", ["/ws", "analyse.pending"], {}, {}) == {"queue": "analyse"}
    assert route("yuqing.run", ["/ws", "collect.tick"], {}, {}) == {"queue": "collect"}
    assert route("other", [], {}, {}) is None
