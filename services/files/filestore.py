"""Where stored files live: the local disk (default) or an S3-compatible object store, so
that several web hosts and job consumers share one set of files (SPEC §15).

``STORAGE_BACKEND=local`` keeps files under ``UPLOAD_DIR/<first two letters>/<name>``;
``STORAGE_BACKEND=s3`` keeps them in ``S3_BUCKET`` under the same keys (``S3_PREFIX``
before them), through boto3 — any S3-compatible server (SeaweedFS, MinIO, Ceph, a cloud).
``services/files/storage.py`` decides *what* is stored (checks, names, Attachment rows); this
module only moves bytes. Both stores offer the same operations (``write``, ``open``,
``delete``, ``listing``, ``response``, ``reachable``, ``bucket_state``, ``ensure_bucket``).
"""
import hashlib
import os
import tempfile

from flask import abort, current_app, send_file

CHUNK = 64 * 1024
# Below this an upload is assembled in memory before it goes to S3; above, on disk.
SPOOL_BYTES = 8 * 1024 * 1024


class LocalStore:
    def __init__(self, root):
        self.root = root

    def _path(self, name):
        return os.path.join(self.root, name[:2], name)

    def write(self, name, chunks):
        """Store ``chunks`` as ``name``; returns (size, sha256 hex)."""
        path = self._path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        digest, size = hashlib.sha256(), 0
        with open(path, "wb") as out:
            for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        return size, digest.hexdigest()

    def open(self, name):
        return open(self._path(name), "rb")

    def delete(self, name):
        try:
            os.remove(self._path(name))
        except FileNotFoundError:
            pass

    def listing(self):
        """(name, modified time as a timestamp) of every stored file."""
        for folder, _dirs, files in os.walk(self.root):
            for name in files:
                yield name, os.path.getmtime(os.path.join(folder, name))

    def response(self, name, mime, download_name, as_attachment):
        if not os.path.exists(self._path(name)):
            abort(404)
        return send_file(self._path(name), mimetype=mime, as_attachment=as_attachment, download_name=download_name)

    def reachable(self):
        return os.path.isdir(self.root) and os.access(self.root, os.W_OK)

    def bucket_state(self, patient=False):
        """As ``S3Store.bucket_state``: the folder exists, or can be made, or cannot."""
        folder = self.root
        while not os.path.exists(folder):
            folder = os.path.dirname(folder)
        if not os.access(folder, os.W_OK):
            return FORBIDDEN
        return EXISTS if os.path.isdir(self.root) else MISSING

    def ensure_bucket(self):
        os.makedirs(self.root, exist_ok=True)

    def free_bytes(self):
        """Free space where the files go (None when it cannot be told)."""
        folder = self.root
        while not os.path.exists(folder):
            folder = os.path.dirname(folder)
        stat = os.statvfs(folder)
        return stat.f_bavail * stat.f_frsize


EXISTS, MISSING, FORBIDDEN, UNREACHABLE = "exists", "missing", "forbidden", "unreachable"


def _s3_client(config, **timeouts):
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=config.get("S3_ENDPOINT_URL") or None,
        aws_access_key_id=config.get("S3_ACCESS_KEY") or None,
        aws_secret_access_key=config.get("S3_SECRET_KEY") or None,
        region_name=config.get("S3_REGION") or "us-east-1",
        # Path-style addressing works with every S3-compatible server, virtual hosts do not.
        config=Config(s3={"addressing_style": "path"}, **timeouts),
    )


class S3Store:
    def __init__(self, client, bucket, prefix="", probe=None):
        self.client, self.bucket, self.prefix = client, bucket, prefix
        self.probe = probe or client  # short timeouts, one try: health checks and restore's checks

    @classmethod
    def from_config(cls, config):
        client = _s3_client(config, retries={"max_attempts": 3, "mode": "standard"})
        probe = _s3_client(config, connect_timeout=3, read_timeout=5, retries={"max_attempts": 1})
        return cls(client, config["S3_BUCKET"], config.get("S3_PREFIX", ""), probe)

    def _key(self, name):
        return f"{self.prefix}{name[:2]}/{name}"

    def write(self, name, chunks):
        digest, size = hashlib.sha256(), 0
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
            for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
                spool.write(chunk)
            spool.seek(0)
            self.client.upload_fileobj(spool, self.bucket, self._key(name))
        return size, digest.hexdigest()

    def open(self, name):
        return self.client.get_object(Bucket=self.bucket, Key=self._key(name))["Body"]

    def delete(self, name):
        self.client.delete_object(Bucket=self.bucket, Key=self._key(name))

    def listing(self):
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix)
        for page in pages:
            for item in page.get("Contents", ()):
                yield item["Key"].rsplit("/", 1)[-1], item["LastModified"].timestamp()

    def response(self, name, mime, download_name, as_attachment):
        from botocore.exceptions import ClientError

        try:
            obj = self.client.get_object(Bucket=self.bucket, Key=self._key(name))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                abort(404)
            raise
        response = send_file(obj["Body"], mimetype=mime, as_attachment=as_attachment, download_name=download_name)
        response.content_length = obj["ContentLength"]
        return response

    def bucket_state(self, patient=False):
        """EXISTS, MISSING, FORBIDDEN (these credentials may not use it) or UNREACHABLE.
        ``patient``: with the retries of real work (restore's checks may take seconds; a
        health check may not)."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            (self.client if patient else self.probe).head_bucket(Bucket=self.bucket)
            return EXISTS
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code"))
            return MISSING if code in ("404", "NoSuchBucket", "NotFound") else FORBIDDEN
        except BotoCoreError:
            return UNREACHABLE

    def reachable(self):
        return self.bucket_state() == EXISTS

    def ensure_bucket(self):
        """Create the bucket when it is missing (first start of a new installation; two
        hosts starting at once may both try)."""
        from botocore.exceptions import ClientError

        if self.bucket_state() == EXISTS:
            return
        try:
            self.client.create_bucket(Bucket=self.bucket)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise

    def free_bytes(self):
        return None  # an object store does not say


def for_config(config):
    """The store ``config`` names; one per app, built on first use."""
    backend = config.get("STORAGE_BACKEND", "local")
    if backend == "local":
        return LocalStore(config["UPLOAD_DIR"])
    if backend == "s3":
        return S3Store.from_config(config)
    raise ValueError(f"unknown STORAGE_BACKEND {backend!r} (local or s3)")


def current():
    extensions = current_app.extensions
    if "filestore" not in extensions:
        extensions["filestore"] = for_config(current_app.config)
    return extensions["filestore"]
