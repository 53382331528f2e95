"""A proposal's optional image: checked, re-encoded, stripped of its metadata, stored under a random name.

check   size first (before decoding), then what the bytes are (not what their name or type says): JPEG, PNG or
        WebP, a sane pixel count (a decompression bomb is refused), fully decodable
encode  decoded pixels re-encoded by Pillow (JPEG, or PNG when the image has transparency), at most 1,600 px wide;
        nothing of the original file survives: no EXIF (position, camera), no comments, no ICC profile
store   ``<random>.jpg`` or ``.png`` in the proposals folder, 0600 in a 0700 folder (:mod:`core.files`)
"""

from __future__ import annotations

import io
import re
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from core.files import private_dir, write_private
from curation.proposal_form import ProposalRefused

FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
MAX_PIXELS = 40_000_000  # 40 megapixels: more is a mistake or a decompression bomb
MAX_WIDTH = 1_600
NAME = re.compile(r"[A-Za-z0-9_-]{22,43}\.(jpg|png)")  # what :func:`store` names, and the only names served
MEDIA_TYPES = {"jpg": "image/jpeg", "png": "image/png"}


@dataclass(frozen=True, slots=True)
class CleanImage:
    data: bytes
    extension: str  # jpg | png


def reencode(data: bytes, *, max_bytes: int) -> CleanImage:
    """The image's pixels re-encoded, or :class:`ProposalRefused` with the reason in French."""
    if len(data) > max_bytes:
        raise ProposalRefused(
            f"l'image est trop lourde ({len(data) / 1_000_000:.1f} Mo ; {max_bytes / 1_000_000:.0f} Mo au plus)",
            "image",
        )
    fake = ProposalRefused("le fichier envoyé n'est pas une image lisible (JPEG, PNG ou WebP)", "image")
    bomb = ProposalRefused("l'image a trop de pixels (40 millions au plus)", "image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in FORMATS:
                    raise fake
                width, height = probe.size
                if width * height > MAX_PIXELS:
                    raise bomb
                probe.load()
                image = probe.copy()
    except ProposalRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise bomb from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise fake from None
    if image.width > MAX_WIDTH:
        image = image.resize((MAX_WIDTH, max(1, round(image.height * MAX_WIDTH / image.width))))
    transparent = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    pixels = image.convert("RGBA" if transparent else "RGB")
    pixels.info = {}  # Pillow writes back what it read (a JPEG comment, an ICC profile…): nothing of it may leave
    out = io.BytesIO()
    if transparent:
        pixels.save(out, "PNG", optimize=True)
        return CleanImage(out.getvalue(), "png")
    pixels.save(out, "JPEG", quality=85, optimize=True)
    return CleanImage(out.getvalue(), "jpg")


def store(folder: Path, image: CleanImage) -> str:
    """Write ``image`` under a new random name in ``folder`` (0600 in 0700); the name."""
    name = f"{secrets.token_urlsafe(24)}.{image.extension}"
    write_private(private_dir(folder) / name, image.data)
    return name


def path_of(folder: Path, name: str) -> Path | None:
    """The stored file ``name`` names, if it is one of ours (no other path is ever read)."""
    if not NAME.fullmatch(name):
        return None
    path = folder / name
    return path if path.is_file() else None


def remove(folder: Path, name: str | None) -> None:
    if name and NAME.fullmatch(name):
        (folder / name).unlink(missing_ok=True)
