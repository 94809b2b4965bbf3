"""Images made in the tests with Pillow (EXIF written through Pillow's Exif API), and hostile
files built byte by byte."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib

from PIL import Image
from PIL.TiffImagePlugin import IFDRational

from media.exif import DATETIME_ORIGINAL, IFD_EXIF, IFD_GPS, MAKE, MODEL, OFFSET_TIME_ORIGINAL

ORIENTATION = 0x0112


def _dms(value: float) -> tuple:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round((value - degrees - minutes / 60) * 3600, 4)
    return (IFDRational(degrees), IFDRational(minutes), IFDRational(int(seconds * 10000), 10000))


def exif(*, lat: float | None = None, lon: float | None = None, taken: str | None = None,
         offset: str | None = None, orientation: int | None = None,
         make: str | None = None, model: str | None = None) -> Image.Exif:
    tags = Image.Exif()
    if make:
        tags[MAKE] = make
    if model:
        tags[MODEL] = model
    if orientation:
        tags[ORIENTATION] = orientation
    if taken:
        tags.get_ifd(IFD_EXIF)[DATETIME_ORIGINAL] = taken
    if offset:
        tags.get_ifd(IFD_EXIF)[OFFSET_TIME_ORIGINAL] = offset
    if lat is not None and lon is not None:
        gps = tags.get_ifd(IFD_GPS)
        gps[1], gps[2] = ("N" if lat >= 0 else "S"), _dms(lat)
        gps[3], gps[4] = ("E" if lon >= 0 else "W"), _dms(lon)
    return tags


def picture(size=(64, 48), mode: str = "RGB") -> Image.Image:
    """Not a flat colour: a left/right split shows whether rotation happened."""
    im = Image.new(mode, size, (200, 30, 30) if mode == "RGB" else 0)
    right = Image.new(mode, (size[0] // 2, size[1]), (30, 30, 200) if mode == "RGB" else 255)
    im.paste(right, (size[0] - size[0] // 2, 0))
    return im


def encode(im: Image.Image, fmt: str = "JPEG", tags: Image.Exif | None = None, **kw) -> bytes:
    buffer = io.BytesIO()
    if tags is not None:
        kw["exif"] = tags.tobytes() if fmt in ("HEIF", "PNG") else tags
    im.save(buffer, fmt, **kw)
    return buffer.getvalue()


def jpeg(size=(64, 48), **exif_kw) -> bytes:
    return encode(picture(size), "JPEG", exif(**exif_kw) if exif_kw else None, quality=90)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- hostile files -----------------------------------------------------------------------------

def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return (struct.pack(">I", len(body)) + kind + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))


def png_bomb(side: int = 10_000) -> bytes:
    """A valid 1-bit PNG of side² pixels (100 MP) that compresses to a few kilobytes."""
    row = b"\x00" * (1 + (side + 7) // 8)
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", body)
            + _png_chunk(b"IEND", b""))


def huge_header_jpeg(width: int = 60_000, height: int = 60_000) -> bytes:
    """A small JPEG whose frame header claims enormous dimensions."""
    data = bytearray(jpeg())
    sof = data.find(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, height, width)
    return bytes(data)


def truncated_jpeg() -> bytes:
    data = jpeg((256, 192))
    return data[: len(data) // 2]


def undecodable_jpeg() -> bytes:
    """Starts like a JPEG and ends like one, with garbage where the scan data should be."""
    data = bytearray(jpeg((256, 192)))
    sos = data.find(b"\xff\xda")
    for i in range(sos + 14, len(data) - 2):
        data[i] = 0xFF if i % 2 else 0xC4  # bogus markers inside entropy-coded data
    return bytes(data)


def polyglot_jpeg_zip() -> bytes:
    """A valid JPEG with a ZIP (holding an HTML page) appended: opens as both."""
    buffer = io.BytesIO()
    import zipfile
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.html", "<html><script>alert(1)</script></html>")
    return jpeg() + buffer.getvalue()


def html_with_jpeg_inside() -> bytes:
    return b"<html><body>hi</body></html>" + jpeg()


def gif() -> bytes:
    return encode(picture(mode="RGB").convert("P"), "GIF")
