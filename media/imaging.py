"""Pure image handling, bytes in and bytes out: sniff, inspect, render derivatives.

Everything here treats its input as hostile. The format is read from the bytes (magic numbers,
then Pillow restricted to the accepted formats), the pixel count is checked from the header before
any pixel is decoded, and every Pillow failure surfaces as one `ImageRejected` with a stable code:
`unsupported_format`, `too_many_pixels`, `corrupt_image`, `too_large`.

Limits are passed per call instead of changing `Image.MAX_IMAGE_PIXELS`, a process-wide global
other code paths share; Pillow's own bomb guard (2 × that global) stays as a second fence.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from dataclasses import dataclass

import pillow_heif
from PIL import Image, ImageFile, ImageOps

from media import exif

pillow_heif.register_heif_opener()

# Pillow's name → the MIME type we serve the original with.
ACCEPTED = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "HEIF": "image/heic"}
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
SIZES = {"display": 1600, "thumbnail": 320}
# The first step from the decoded image is the costly one (millions of pixels): a triangle filter
# there (antialiased, as all Pillow downscaling is) costs a quarter of Lanczos on this hardware
# (see docs/benchmarks.md); later, small steps keep Lanczos' sharpness.
FIRST_STEP_FILTER = Image.Resampling.BILINEAR
DERIVATIVE_TYPE = "image/jpeg"


class ImageRejected(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class Inspected:
    format: str               # JPEG | PNG | WEBP | HEIF
    content_type: str
    width: int
    height: int
    trailer_bytes: int        # bytes after the JPEG's end-of-image (polyglots, motion photos)
    metadata: exif.Metadata


@dataclass(frozen=True)
class Rendition:
    data: bytes
    width: int
    height: int
    content_type: str = DERIVATIVE_TYPE


def sniff(data: bytes) -> str:
    """The format the bytes are, by their magic numbers; never the name or declared type."""
    if data[:3] == b"\xff\xd8\xff":
        return "JPEG"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return "HEIF"
    raise ImageRejected("unsupported_format",
                        "the file is not a JPEG, PNG, WebP or HEIC/HEIF image (checked from its "
                        "content, not its name)")


def inspect(data: bytes, *, max_pixels: int, max_bytes: int | None = None) -> Inspected:
    """Cheap upload-time checks: format, pixel count, structure, EXIF. No full decode."""
    if max_bytes is not None and len(data) > max_bytes:
        raise ImageRejected("too_large", f"the file is {len(data)} bytes; the limit is {max_bytes}")
    fmt = sniff(data)
    trailer = 0
    if fmt == "JPEG":
        end = jpeg_end(data)
        if end is None:
            raise ImageRejected("corrupt_image", "the JPEG is truncated (no end-of-image marker)")
        trailer = len(data) - end
    with _guard():
        with _open(data, fmt, max_pixels) as im:
            width, height = im.size
            metadata = exif.read(_exif_of(im))
        if fmt != "JPEG":  # Pillow's verify() checks nothing in a JPEG: jpeg_end did, above
            with _open(data, fmt, max_pixels) as im:  # verify() leaves the image unusable
                im.verify()  # chunk CRCs (PNG), container structure; decoding: the worker's job
    return Inspected(fmt, _content_type(fmt, data), width, height, trailer, metadata)


def render(data: bytes, *, max_pixels: int, sizes: dict[str, int] | None = None,
           quality: int = 82) -> dict[str, Rendition]:
    """Upright, EXIF-free JPEG derivatives bounded by each size (longest edge, never enlarged).

    The original is decoded once, already reduced: JPEG's DCT scaling (`draft`) decodes at 1/2,
    1/4 or 1/8 when the largest derivative allows it, so a 12 MP photo is never decoded at full
    size; other formats are shrunk with `reduce` (through `reducing_gap`) before resampling.
    """
    sizes = sizes or SIZES
    with _guard(), decode_reduced(data, max_pixels=max_pixels, edge=max(sizes.values())) as im:
        # In place: an upright photo (the usual case) would otherwise be copied whole for nothing.
        ImageOps.exif_transpose(im, in_place=True)
        base = _flatten(im)
        out: dict[str, Rendition] = {}
        current, resample = base, FIRST_STEP_FILTER
        for name, edge in sorted(sizes.items(), key=lambda kv: -kv[1]):
            current = shrink(current, edge, resample)
            resample = Image.Resampling.LANCZOS
            out[name] = Rendition(_encode(current, quality), *current.size)
    return out


@contextlib.contextmanager
def decode_reduced(data: bytes, *, max_pixels: int, edge: int) -> Iterator[Image.Image]:
    """The decoded image, as small as JPEG's DCT scaling allows while still covering `edge`."""
    fmt = sniff(data)
    with _open(data, fmt, max_pixels) as im:
        if fmt == "JPEG":
            im.draft(None, fit(im.size, edge))
        im.load()  # the whole (reduced) decode: truncation and corruption surface here
        yield im


def fit(size: tuple[int, int], edge: int) -> tuple[int, int]:
    """`size` scaled so its longest side is at most `edge`, keeping the aspect ratio."""
    width, height = size
    scale = min(1.0, edge / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def shrink(im: Image.Image, edge: int,
           resample: Image.Resampling = Image.Resampling.LANCZOS) -> Image.Image:
    """Bounded by `edge`; large factors go through `reduce()` (box, integer) first."""
    size = fit(im.size, edge)
    if size == im.size:
        return im
    return im.resize(size, resample, reducing_gap=2.0)


def jpeg_end(data: bytes) -> int | None:
    """Offset just past the end-of-image marker of the main JPEG image, None when cut short.

    Walks the marker segments (skipping APP1's embedded EXIF thumbnail, which has its own EOI)
    up to the first start-of-scan; in entropy-coded data 0xFF is always stuffed, so the next
    FF D9 is the real end of image.
    """
    i, n = 2, len(data)
    while i + 4 <= n:
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker == 0xD9:
            return i + 2
        if 0xD0 <= marker <= 0xD8 or marker == 0x01:  # markers without a length
            i += 2
            continue
        length = int.from_bytes(data[i + 2:i + 4], "big")
        if marker == 0xDA:
            end = data.find(b"\xff\xd9", i + 2 + length)
            return None if end < 0 else end + 2
        i += 2 + length
    return None


# --- helpers ---------------------------------------------------------------------------------

@contextlib.contextmanager
def _guard() -> Iterator[None]:
    """Hostile input makes Pillow raise almost anything (OSError, ValueError, SyntaxError,
    struct.error, EOFError, IndexError...); all of it means the same thing to a caller."""
    try:
        yield
    except ImageRejected:
        raise
    except Image.DecompressionBombError:
        raise ImageRejected("too_many_pixels", "the image has too many pixels") from None
    except Exception as exc:  # noqa: BLE001 - see the docstring
        raise ImageRejected("corrupt_image", f"the image cannot be decoded: {exc}") from None


@contextlib.contextmanager
def _open(data: bytes, fmt: str, max_pixels: int) -> Iterator[Image.Image]:
    if ImageFile.LOAD_TRUNCATED_IMAGES:  # a global someone flipped would hide truncation
        raise RuntimeError("PIL.ImageFile.LOAD_TRUNCATED_IMAGES must stay False")
    im = Image.open(io.BytesIO(data), formats=[fmt])
    try:
        width, height = im.size
        if width < 1 or height < 1:
            raise ImageRejected("corrupt_image", "the image has no pixels")
        if width * height > max_pixels:
            raise ImageRejected(
                "too_many_pixels",
                f"the image is {width}×{height} = {width * height} pixels; the limit is "
                f"{max_pixels}")
        yield im
    finally:
        im.close()


def _exif_of(im: Image.Image) -> Image.Exif:
    """EXIF from the bytes read at open; `getexif()` would decode a whole PNG to find it."""
    tags = Image.Exif()
    raw = im.info.get("exif")
    if isinstance(raw, bytes | bytearray) and raw:
        tags.load(bytes(raw))
    return tags


def _content_type(fmt: str, data: bytes) -> str:
    if fmt == "HEIF" and data[8:12] in (b"mif1", b"msf1"):
        return "image/heif"
    return ACCEPTED[fmt]


def _flatten(im: Image.Image) -> Image.Image:
    """RGB for JPEG: transparency (signatures are often PNG with alpha) goes onto white."""
    if im.mode == "P":
        im = im.convert("RGBA")
    if im.mode in ("RGBA", "LA", "RGBa", "La"):
        im = im.convert("RGBA")
        background = Image.new("RGB", im.size, (255, 255, 255))
        background.paste(im, mask=im.getchannel("A"))
        return background
    if im.mode in ("I", "I;16", "I;16B", "I;16L", "F"):  # 16-bit greyscale PNG
        im = im.point(lambda v: v / 256).convert("L")
    return im.convert("RGB") if im.mode != "RGB" else im


def _encode(im: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    # No `exif=` and no ICC profile: derivatives carry no metadata (GPS, device) at all.
    im.save(buffer, "JPEG", quality=quality, optimize=False)
    return buffer.getvalue()
