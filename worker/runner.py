"""The rq worker that `callmatch worker` runs."""

from __future__ import annotations

from rq import Worker


class PromptWorker(Worker):
    """rq's worker, made to stop at once.

    rq listens for commands (stop a job, shut down) in a thread that, once unsubscribed, waits up to a
    minute for a new subscription before it checks whether it should stop, and redis-py waits for the
    thread when told to stop it. Whenever the thread handled the unsubscription first (on a busy
    machine, often), a burst worker or a warm shutdown sat idle for that minute. Told to stop before
    the unsubscription, the thread ends on its reply.
    """

    def unsubscribe(self):
        if self.pubsub_thread:
            self.pubsub_thread.stop(timeout=0)  # ask, without waiting: the reply to unsubscribing ends it
        super().unsubscribe()
