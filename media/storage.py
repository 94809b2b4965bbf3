"""Where photo bytes live: content-addressed keys on local disk (default) or in an S3-compatible
bucket (`FIELDWORK_S3_BUCKET`, optional `FIELDWORK_S3_ENDPOINT_URL` for MinIO, Ceph, Garage...).

Keys are derived from the original's SHA-256, so writing the same photo twice is harmless and the
key itself proves the content: `ab/abcdef…` for the original (kept byte for byte) and
`ab/abcdef….display.jpg` for a derivative.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

CHUNK = 256 * 1024
_KEY = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{64}(\.[a-z]+\.jpg)?$")


def original_key(sha256: str) -> str:
    return _checked(f"{sha256[:2]}/{sha256}")


def variant_key(sha256: str, variant: str) -> str:
    return _checked(f"{sha256[:2]}/{sha256}.{variant}.jpg")


def _checked(key: str) -> str:
    # Keys become file paths: only ever the shapes built above, never anything from a request.
    if not _KEY.match(key):
        raise ValueError(f"not a media key: {key!r}")
    return key


class Storage(Protocol):
    name: str

    def put(self, key: str, data: bytes, content_type: str) -> None: ...
    def exists(self, key: str) -> bool: ...
    def read(self, key: str) -> bytes: ...
    def stream(self, key: str) -> tuple[int, Iterator[bytes]]: ...


class LocalStorage:
    name = "local"

    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / _checked(key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        target = self.path(key)
        if target.exists() and target.stat().st_size == len(data):
            return  # content-addressed: the same key already holds these bytes
        make_dirs(target.parent)
        # Write aside, fsync, then rename: a crash never leaves a half-written file at the key.
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        # The rename lives in the directory: until the directory is synced a crash can lose it,
        # and the caller is about to commit a row that promises these bytes exist.
        fsync_dir(target.parent)

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def read(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def stream(self, key: str) -> tuple[int, Iterator[bytes]]:
        path = self.path(key)
        size = path.stat().st_size

        def chunks() -> Iterator[bytes]:
            with path.open("rb") as handle:
                while block := handle.read(CHUNK):
                    yield block
        return size, chunks()


def fsync_dir(path: Path) -> None:
    """Make the entries of directory `path` (created, renamed files) durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def make_dirs(path: Path) -> None:
    """`mkdir -p`, syncing the parent of every directory it creates (a new directory's own
    entry lives in its parent)."""
    if path.is_dir():
        return
    missing = []
    while not path.is_dir():
        missing.append(path)
        path = path.parent
    for directory in reversed(missing):
        directory.mkdir(exist_ok=True)
        fsync_dir(directory.parent)


class S3Storage:
    name = "s3"

    def __init__(self, bucket: str, client):
        self.bucket, self.client = bucket, client

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=_checked(key), Body=data,
                               ContentType=content_type)

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError
        try:
            self.client.head_object(Bucket=self.bucket, Key=_checked(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=_checked(key))["Body"].read()

    def stream(self, key: str) -> tuple[int, Iterator[bytes]]:
        obj = self.client.get_object(Bucket=self.bucket, Key=_checked(key))
        return obj["ContentLength"], obj["Body"].iter_chunks(CHUNK)


def s3_client(endpoint_url: str = "", region: str = ""):
    # Imported here: boto3 costs a few hundred ms to import, and local-disk setups never need it.
    import boto3
    from botocore.config import Config
    return boto3.client("s3", endpoint_url=endpoint_url or None, region_name=region or None,
                        config=Config(retries={"max_attempts": 3, "mode": "standard"}))
