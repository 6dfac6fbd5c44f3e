"""The consumer's tasks, each registered in ``services.background.queue`` by name. Importing this
package registers them all (the app factory does; so does the consumer's entry point,
``app/consumer.py``, by building the app). Domain code never imports it: it enqueues by
name (``queue.enqueue("deliver_sms", row_id)``)."""
from tasks import delivery, periodic, reports, work  # noqa: F401  (registration)
