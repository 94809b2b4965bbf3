"""The pure image layer: format from the bytes, hostile files refused with a code, derivatives
upright, bounded and without EXIF, JPEG decoded reduced."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from media import imaging
from tests.media import images

LIMIT = 80_000_000


def inspect(data: bytes, **kw):
    return imaging.inspect(data, max_pixels=kw.pop("max_pixels", LIMIT), **kw)


def rejected(data: bytes, **kw) -> str:
    with pytest.raises(imaging.ImageRejected) as caught:
        inspect(data, **kw)
    return caught.value.code


@pytest.mark.parametrize("fmt,mime", [("JPEG", "image/jpeg"), ("PNG", "image/png"),
                                      ("WEBP", "image/webp"), ("HEIF", "image/heic")])
def test_accepted_formats_are_detected_from_the_bytes(fmt, mime):
    data = images.encode(images.picture(), fmt)
    checked = inspect(data)
    assert (checked.format, checked.content_type) == (fmt, mime)
    assert (checked.width, checked.height) == (64, 48)


def test_exif_time_gps_and_device_are_read():
    data = images.jpeg(lat=48.8566, lon=-2.3522, taken="2026:11:23 10:15:00", offset="+01:00",
                       make="Acme", model="Phone 9")
    meta = inspect(data).metadata
    assert meta.lat == pytest.approx(48.8566, abs=1e-5)
    assert meta.lon == pytest.approx(-2.3522, abs=1e-5)
    assert meta.taken_at.isoformat() == "2026-11-23T10:15:00+01:00"
    assert (meta.make, meta.model) == ("Acme", "Phone 9")


def test_gif_and_text_are_unsupported_whatever_they_claim_to_be():
    assert rejected(images.gif()) == "unsupported_format"
    assert rejected(b"just some text pretending to be photo.jpg") == "unsupported_format"
    assert rejected(images.html_with_jpeg_inside()) == "unsupported_format"


def test_decompression_bomb_is_refused_before_decoding():
    bomb = images.png_bomb()
    assert len(bomb) < 100_000  # 100 megapixels in a few kilobytes
    assert rejected(bomb) == "too_many_pixels"


def test_huge_dimensions_in_the_header_are_refused():
    assert rejected(images.huge_header_jpeg()) == "too_many_pixels"
    assert rejected(images.huge_header_jpeg(9000, 9000)) == "too_many_pixels"


def test_pixel_limit_is_per_call_and_leaves_pillow_global_alone():
    before = Image.MAX_IMAGE_PIXELS
    assert rejected(images.jpeg((64, 48)), max_pixels=1000) == "too_many_pixels"
    assert before == Image.MAX_IMAGE_PIXELS


def test_truncated_jpeg_is_corrupt():
    assert rejected(images.truncated_jpeg()) == "corrupt_image"


def test_truncated_png_is_corrupt():
    data = images.encode(images.picture((200, 200)), "PNG")
    assert rejected(data[:-30]) == "corrupt_image"


def test_too_large_is_refused_by_size():
    assert rejected(images.jpeg(), max_bytes=100) == "too_large"


def test_jpeg_header_with_garbage_scan_fails_to_render():
    data = images.undecodable_jpeg()
    inspect(data)  # structurally plausible: the worker's full decode is what catches it
    with pytest.raises(imaging.ImageRejected) as caught:
        imaging.render(data, max_pixels=LIMIT)
    assert caught.value.code == "corrupt_image"


def test_polyglot_is_accepted_as_the_image_and_its_trailer_is_counted():
    data = images.polyglot_jpeg_zip()
    checked = inspect(data)
    assert checked.content_type == "image/jpeg"
    assert checked.trailer_bytes == len(data) - len(images.jpeg())


def test_jpeg_end_skips_the_exif_thumbnail_eoi():
    thumb = images.jpeg((16, 12))
    tags = images.exif(make="Acme")
    data = images.encode(images.picture(), "JPEG", tags)
    # An APP1 segment holding a whole JPEG (with its own FF D9) must not end the walk early.
    app1 = b"\xff\xe1" + (len(thumb) + 2).to_bytes(2, "big") + thumb
    spliced = data[:2] + app1 + data[2:]
    assert imaging.jpeg_end(spliced) == len(spliced)


def test_derivatives_are_upright_bounded_jpeg_without_exif():
    data = images.encode(images.picture((400, 300)), "JPEG",
                         images.exif(orientation=6, lat=1.0, lon=2.0, make="Acme"))
    out = imaging.render(data, max_pixels=LIMIT, sizes={"display": 200, "thumbnail": 50})
    display = Image.open(io.BytesIO(out["display"].data))
    assert display.format == "JPEG"
    assert display.size == (150, 200)  # rotated 90° by the EXIF orientation
    assert (out["thumbnail"].width, out["thumbnail"].height) == (38, 50)
    for rendition in out.values():
        assert b"Exif" not in rendition.data and b"Acme" not in rendition.data
        assert not Image.open(io.BytesIO(rendition.data)).getexif()


def test_heic_is_rendered_upright():
    data = images.encode(images.picture((400, 300)), "HEIF", images.exif(orientation=6))
    out = imaging.render(data, max_pixels=LIMIT, sizes={"display": 200})
    assert (out["display"].width, out["display"].height) == (150, 200)


def test_transparent_signature_png_is_flattened_on_white():
    im = Image.new("RGBA", (100, 40), (0, 0, 0, 0))
    im.paste((0, 0, 0, 255), (10, 10, 90, 30))
    out = imaging.render(images.encode(im, "PNG"), max_pixels=LIMIT, sizes={"display": 100})
    rendered = Image.open(io.BytesIO(out["display"].data)).convert("RGB")
    assert rendered.getpixel((2, 2))[0] > 240  # transparent → white, not black
    assert rendered.getpixel((50, 20))[0] < 20


def test_small_images_are_never_enlarged():
    out = imaging.render(images.jpeg((64, 48)), max_pixels=LIMIT)
    assert (out["display"].width, out["display"].height) == (64, 48)


def test_large_jpeg_is_decoded_reduced_not_at_full_size():
    data = images.encode(images.picture((4000, 3000)), "JPEG", quality=70)
    with imaging.decode_reduced(data, max_pixels=LIMIT, edge=1600) as im:
        assert im.size == (2000, 1500)  # DCT scaling: 1/2, still covers 1600 px
    with imaging.decode_reduced(data, max_pixels=LIMIT, edge=320) as im:
        assert im.size == (500, 375)    # 1/8


def test_fit_keeps_aspect_ratio_within_the_edge():
    assert imaging.fit((4000, 3000), 1600) == (1600, 1200)
    assert imaging.fit((3000, 4000), 320) == (240, 320)
    assert imaging.fit((100, 50), 320) == (100, 50)
