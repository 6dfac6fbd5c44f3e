"""学习档案: the learner's whole verified record, handed over at once.

  items.py       the record's items read from the records (recognised achievements, passed
                 conversions) and, for items named by id, their state now
  statements.py  an issued statement: its code, what it stated, the PDF with its QR code,
                 and the signed Verifiable Presentation holding each item's credential
                 (QR codes: services/files/qr.py, as on certificates)
  sharing.py     share links: selected records until an expiry, revocable, visits counted

Nothing here copies a record's state: a statement keeps what it said when issued, and
every page reads the state of each item now.
"""
