"""Work done outside a request. ``queue``: the huey instance and nothing else (it imports
no project code; tasks are enqueued by name and live in tasks/); ``jobs``: background jobs
under a lease (claim, heartbeat, fencing by attempt, reaping, cancel and retry);
``sweeper``: what each consumer does besides its tasks; ``housekeeping``: the nightly
clean-up.
"""
