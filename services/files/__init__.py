"""Stored files and the documents the platform makes. ``filestore``: where files live
(local disk or an S3-compatible bucket); ``storage``: uploads checked by content and size,
their names and downloads; ``file_checks``: image re-encoding and PDF parsing; ``avatars``:
修改头像's pictures; ``qr``: QR codes to /verify; ``document_templates``: the PDF templates of
methods and rules; ``backup``: backup and restore of the database and the file store.
"""
