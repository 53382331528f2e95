"""A proposed image: re-encoded from its pixels, its metadata gone; too heavy, fake or a bomb refused in French."""

from __future__ import annotations

import io
import stat
from pathlib import Path

import pytest
from PIL import Image

from curation import proposal_images as images
from curation.proposal_form import ProposalRefused
from tests.curation.proposal_world import jpeg_with_exif


def test_exif_and_comments_are_gone_after_reencoding() -> None:
    original = jpeg_with_exif()
    assert b"SecretCam" in original and b"secret comment" in original
    clean = images.reencode(original, max_bytes=5_000_000)
    assert clean.extension == "jpg"
    assert b"SecretCam" not in clean.data and b"secret comment" not in clean.data and b"Tracking" not in clean.data
    with Image.open(io.BytesIO(clean.data)) as out:
        assert out.format == "JPEG" and out.size == (800, 600) and not out.getexif()


def test_a_wide_image_is_scaled_down_and_transparency_kept_as_png() -> None:
    image = Image.new("RGBA", (3_200, 1_000), (0, 0, 0, 0))
    buf = io.BytesIO()
    image.save(buf, "PNG")
    clean = images.reencode(buf.getvalue(), max_bytes=5_000_000)
    with Image.open(io.BytesIO(clean.data)) as out:
        assert clean.extension == "png" and out.size == (1_600, 500)


def test_too_heavy_fake_and_bomb_images_are_refused() -> None:
    with pytest.raises(ProposalRefused, match="trop lourde") as exc:
        images.reencode(b"\xff" * 30_000_001, max_bytes=5_000_000)
    assert exc.value.field == "image"
    with pytest.raises(ProposalRefused, match="pas une image lisible"):
        images.reencode(b"GIF89a<script>alert(1)</script>", max_bytes=5_000_000)
    with pytest.raises(ProposalRefused, match="pas une image lisible"):
        images.reencode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, max_bytes=5_000_000)  # a PNG signature, no PNG
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, "GIF")
    with pytest.raises(ProposalRefused, match="JPEG, PNG ou WebP"):
        images.reencode(gif.getvalue(), max_bytes=5_000_000)
    bomb = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(bomb, "PNG")  # 400 megapixels in a few kilobytes
    assert len(bomb.getvalue()) < 1_000_000
    with pytest.raises(ProposalRefused, match="trop de pixels"):
        images.reencode(bomb.getvalue(), max_bytes=5_000_000)


def test_stored_privately_under_a_random_name_and_only_such_names_are_served(tmp_path: Path) -> None:
    folder = tmp_path / "data" / "proposals"
    name = images.store(folder, images.reencode(jpeg_with_exif(), max_bytes=5_000_000))
    other = images.store(folder, images.reencode(jpeg_with_exif(), max_bytes=5_000_000))
    assert name != other and images.NAME.fullmatch(name)
    assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert images.path_of(folder, name) == folder / name
    for bad in ("../secret_key", "x.jpg", name.replace(".jpg", ".txt"), f"../{name}"):
        assert images.path_of(folder, bad) is None
    images.remove(folder, name)
    assert images.path_of(folder, name) is None
