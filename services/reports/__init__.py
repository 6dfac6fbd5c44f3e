"""统计报表 for the management center: a measure by a dimension over a period.

  dimensions.py  the dimensions and measures, each dimension's key in the records, labels
  build.py       the aggregates (models.reports), rebuilt from the records by a periodic job
  query.py       a report read from the aggregates, and the drill-down into the records
"""
