"""Version 18: 1 000-bucket histograms on the prefix-searched names of an existing
PostgreSQL database (``tools.PREFIX_STATISTICS``), then fresh statistics. SQLite keeps no
such setting (and is analysed at every start)."""
from migrations.tools import is_postgres, support_prefix_search
from models import db

VERSION = 18


def upgrade(_migrator):
    if is_postgres():
        support_prefix_search()
        db.execute_sql("ANALYZE")
