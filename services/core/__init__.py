"""What every domain module stands on. ``database``: the connection, the migrations' run,
write transactions and streaming reads; ``transitions``: the one status writer; ``audit``:
the audit log and its words; ``bulk``: raw-SQL bulk inserts and chunked IN lookups;
``pagination``: paging and sorting in the database; ``figures``: short-lived cached
dashboard figures; ``urls``: absolute addresses from PUBLIC_URL, never from the Host header.
"""
