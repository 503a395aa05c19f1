"""Figure images for every reader: where an image may come from, and what is embedded.

:func:`resolve_image` is the one place an article's image reference becomes bytes. The
rules, so that an article can never make the tool read what the user did not allow:

- a relative path must resolve (symlinks followed) to a regular file inside the article's
  folder or below it; it is read with a size limit, its type is told from its first bytes
  (PNG, JPEG, GIF or SVG; anything else is an error), and its pixel size from its header;
  a missing file is a warning (the figure keeps its caption and alt text);
- SVG is parsed with entities refused and sanitised: no scripts, no ``foreignObject``, no
  event handlers, no link or ``url(...)`` that leaves the document;
- ``http(s)`` images are not fetched unless their host is listed in ``[images]
  allow_hosts`` of ``briefing.toml``; otherwise the figure keeps its caption and alt text
  and links to the image, with a warning (so does an allowed image that cannot be
  fetched: offline, too large, not an image);
- ``data:`` and ``file:`` URLs, other schemes and absolute paths are refused with a warning
  (the figure keeps its caption and alt text).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import struct
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import unquote, urlsplit

from briefing.errors import Diagnostic, InputError
from briefing.files import cache_root, private_folder, read_bounded
from briefing.model import Image
from briefing.report import warn

__all__ = [
    "MAX_IMAGE_BYTES",
    "MAX_SVG_DATA_BYTES",
    "ImagePolicy",
    "image_size",
    "normalise_raster",
    "resolve_image",
    "sanitise_svg",
    "sniff",
]

#: Largest image embedded (bytes), local or fetched.
MAX_IMAGE_BYTES = 20 * 1024 * 1024

#: Seconds to wait for an allowed remote image.
FETCH_TIMEOUT = 10

_EXTENSIONS = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/svg+xml": "svg",
}

_SVG_NS = "http://www.w3.org/2000/svg"
_XLINK_NS = "http://www.w3.org/1999/xlink"


@dataclass(frozen=True, slots=True)
class ImagePolicy:
    """What remote images may be fetched: ``[images]`` in ``briefing.toml``.

    :param allow_hosts: host names whose images are fetched over https; ``"http://host"``
        also allows plain http for that host.
    :param cache: the folder for fetched images (default ``$XDG_CACHE_HOME/briefing/images``).
    """

    allow_hosts: tuple[str, ...] = ()
    cache: Path | None = None

    def allows(self, scheme: str, host: str) -> bool:
        """True when an image at ``scheme://host/...`` may be fetched."""
        host = host.lower()
        if scheme == "https":
            return any(entry.lower().removeprefix("http://") == host for entry in self.allow_hosts)
        return scheme == "http" and f"http://{host}" in (e.lower() for e in self.allow_hosts)

    def cache_dir(self) -> Path:
        return self.cache if self.cache is not None else cache_root() / "images"


def sniff(data: bytes) -> str | None:
    """The media type of an image from its first bytes, or ``None`` if not one we embed."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    head = re.sub(rb"^(<\?xml[^>]*\?>|<!--.*?-->|\s)+", b"", head, flags=re.DOTALL)
    if head.startswith(b"<svg") or head.startswith(b"<!DOCTYPE svg"):
        return "image/svg+xml"
    return None


def image_size(data: bytes, media_type: str) -> tuple[int, int] | None:
    """Pixel width and height read from the image's header (``None`` if it has none)."""
    if media_type == "image/png" and len(data) >= 24 and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if media_type == "image/gif" and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return width, height
    if media_type == "image/jpeg":
        return _jpeg_size(data)
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from a JPEG's start-of-frame segment."""
    index = 2
    while index + 9 < len(data):
        if data[index] != 0xFF:
            return None
        marker = data[index + 1]
        if marker == 0xFF:
            index += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            index += 2
            continue
        (length,) = struct.unpack(">H", data[index + 2 : index + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[index + 5 : index + 9])
            return width, height
        index += 2 + length
    return None


# -- raster images ---------------------------------------------------------------------

#: Pillow modes a PDF/A and every EPUB reader take as they are.
_PLAIN_MODES = {"RGB", "RGBA", "L", "LA", "P", "1"}


def normalise_raster(data: bytes, media_type: str) -> tuple[bytes, str] | None:
    """The bytes and media type of a PNG, JPEG or GIF that every output can embed.

    A CMYK or YCCK JPEG becomes an RGB JPEG (quality 95): a device-CMYK image makes the
    PDF fail PDF/A. A 16-bit PNG becomes an 8-bit PNG (16-bit greyscale otherwise prints
    as a black box), and any other unusual mode becomes RGB(A) or L(A). Other images are
    returned unchanged. The writers add no timestamps, so the bytes are deterministic.

    :returns: ``None`` when Pillow cannot decode the image.
    """
    import warnings

    from PIL import Image as PILImage
    from PIL import ImageFile

    # WeasyPrint sets Pillow's process-wide LOAD_TRUNCATED_IMAGES when it is imported: a
    # truncated file must still count as undecodable here, whatever was imported before.
    truncated = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            with PILImage.open(io.BytesIO(data)) as opened:
                opened.load()
                picture = opened.copy()
    except (OSError, ValueError, SyntaxError, PILImage.DecompressionBombWarning):
        # UnidentifiedImageError is an OSError, DecompressionBombError an Exception.
        return None
    except PILImage.DecompressionBombError:
        return None
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = truncated
    sixteen = media_type == "image/png" and len(data) > 24 and data[24] == 16
    if picture.mode in _PLAIN_MODES and not sixteen:
        return data, media_type
    alpha = "A" in picture.mode or "a" in picture.mode or "transparency" in picture.info
    grey = picture.mode in ("L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "I;16N", "F")
    if picture.mode.startswith("I") or picture.mode == "F":
        # 16- or 32-bit greyscale: scale to 0..255 (a plain convert clips to white).
        top = 65535 if picture.mode.startswith("I;16") or sixteen else 255
        picture = picture.convert("I").point(lambda value: value * (255 / top)).convert("L")
    else:
        picture = picture.convert(("LA" if grey else "RGBA") if alpha else ("L" if grey else "RGB"))
    out = io.BytesIO()
    if media_type == "image/jpeg" and picture.mode in ("RGB", "L"):
        picture.save(out, format="JPEG", quality=95)
        return out.getvalue(), "image/jpeg"
    picture.save(out, format="PNG", optimize=False)
    return out.getvalue(), "image/png"


# -- SVG -----------------------------------------------------------------------------

_URL = re.compile(r"url\(\s*['\"]?\s*(?P<target>[^)'\"]*)['\"]?\s*\)", re.IGNORECASE)
_DROPPED_ELEMENTS = {"script", "foreignObject", "handler", "listener", "iframe", "embed", "object"}


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def _external_url(text: str) -> bool:
    """True when CSS text has a ``url(...)`` (or ``@import``) pointing outside the document."""
    if "@import" in text.lower():
        return True
    return any(not m.group("target").strip().startswith("#") for m in _URL.finditer(text))


#: Largest ``data:`` image kept inside an SVG (Office and Excel embed their charts so).
MAX_SVG_DATA_BYTES = 5 * 1024 * 1024

_DATA_IMAGE = re.compile(
    r"\s*data:(?P<type>image/(?:png|jpeg|gif));base64,(?P<data>[A-Za-z0-9+/=\s]*)\s*",
    re.IGNORECASE,
)


def _data_image(value: str) -> bool:
    """True for a bounded ``data:`` URL holding a PNG, JPEG or GIF (what it says it is)."""
    import base64
    import binascii

    match = _DATA_IMAGE.fullmatch(value)
    if not match or len(match.group("data")) > MAX_SVG_DATA_BYTES * 4 // 3 + 4:
        return False
    try:
        data = base64.b64decode("".join(match.group("data").split()), validate=True)
    except (binascii.Error, ValueError):
        return False
    return sniff(data) == match.group("type").lower()


def _described(value: str) -> str:
    value = value.strip()
    return value[:40] + "..." if len(value) > 43 else value


def sanitise_svg(data: bytes) -> tuple[bytes, tuple[str, ...], tuple[int, int] | None]:
    """A safe copy of an SVG: the bytes, what was removed, and its size.

    Parsed with the standard library, never fetching anything: a DOCTYPE naming the SVG DTD
    (matplotlib writes one) is allowed, an internal subset or any entity is refused (so no
    entity can expand or reach a file). ``<script>``, ``<foreignObject>``, ``on*``
    attributes, and any ``href``/``xlink:href`` or ``url(...)`` that is not a same-document
    ``#id`` are dropped; an ``<image>`` is kept only when it holds a ``data:`` PNG, JPEG
    or GIF (as Office and Excel export charts), otherwise it is dropped whole (an
    ``<image>`` without its link fails the PDF).

    :returns: the clean bytes, a short description of each removed part, and the size.
    :raises ValueError: when the file is not well-formed SVG or declares entities.
    """
    import xml.etree.ElementTree as ET

    if re.search(rb"<!ENTITY|<!DOCTYPE[^>\[]*\[", data, re.IGNORECASE):
        raise ValueError(
            "it declares entities or a DOCTYPE with an internal subset, which are refused"
        )
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise ValueError(f"it is not well-formed XML ({exc})") from None
    if root.tag not in (f"{{{_SVG_NS}}}svg", "svg"):
        raise ValueError("its root element is not <svg>")
    removed: list[str] = []
    for parent in list(root.iter()):
        for child in list(parent):
            if not isinstance(child.tag, str):
                parent.remove(child)
                removed.append("a processing instruction")
                continue
            name = _local(child.tag)
            # <set>/<animate> can write a javascript: URL into an href at run time.
            if (
                name in _DROPPED_ELEMENTS
                or _local(child.get("attributeName", "")).lower() == "href"
            ):
                removed.append(f"<{name}>")
            elif name == "style" and _external_url(child.text or ""):
                removed.append("a <style> with an external url()")
            elif name == "image":
                links = [v for k, v in child.attrib.items() if _local(k) == "href"]
                if links and all(_data_image(v) for v in links):
                    continue
                target = f"'{_described(links[0])}'" if links else "nothing"
                removed.append(f"an <image> linking to {target}")
            else:
                continue
            parent.remove(child)
    for element in root.iter():
        keep_data = _local(element.tag) == "image"
        for name, value in list(element.attrib.items()):
            local = _local(name)
            if local.lower().startswith("on"):
                removed.append(f"the {local} handler")
            elif local == "href" and not value.strip().startswith("#"):
                if keep_data:
                    continue
                removed.append(f"a link to '{_described(value)}'")
            elif _external_url(value):
                removed.append(f"an external url() in {local}")
            else:
                continue
            del element.attrib[name]
    ET.register_namespace("", _SVG_NS)
    ET.register_namespace("xlink", _XLINK_NS)
    text = ET.tostring(root, encoding="unicode")
    return text.encode("utf-8"), tuple(removed), _svg_size(root.attrib)


def _svg_size(attrib: dict[str, str]) -> tuple[int, int] | None:
    """Width and height of an SVG from its ``width``/``height`` or ``viewBox``."""

    def number(value: str | None) -> float | None:
        match = re.fullmatch(r"\s*([0-9.]+)\s*(px)?\s*", value or "")
        return float(match.group(1)) if match else None

    width, height = number(attrib.get("width")), number(attrib.get("height"))
    if width and height:
        return round(width), round(height)
    box = (attrib.get("viewBox") or "").replace(",", " ").split()
    try:
        if len(box) == 4 and float(box[2]) > 0 and float(box[3]) > 0:
            return round(float(box[2])), round(float(box[3]))
    except ValueError:
        return None
    return None


# -- resolving -------------------------------------------------------------------------


def resolve_image(
    image: Image, *, path: Path, line: int, number: int, policy: ImagePolicy | None = None
) -> Image:
    """Resolve ``image.source`` for figure ``number`` of the article at ``path``.

    Returns the image with ``data``, ``media_type``, size and a safe ``name``
    (``fig-2.png``) when it is embedded, or with ``url`` set (remote: not allowed, or
    allowed but not fetched) or neither (refused), after a warning that says why and what
    to do.

    :raises InputError: for a local file that is too large, not a regular file, or not a
        PNG, JPEG, GIF or SVG image (naming the article's line); a missing file is a
        warning, like a refused source.
    """
    policy = policy or ImagePolicy()
    source = image.source.strip()
    parts = urlsplit(source)
    scheme = parts.scheme.lower()
    if scheme in ("http", "https") and not parts.hostname:
        _refuse(path, line, f"the image address '{_short(source)}' has no host", "fix the URL")
        return image
    if scheme in ("http", "https") and parts.hostname:
        if policy.allows(scheme, parts.hostname):
            try:
                data = _fetch(source, path=path, line=line, policy=policy)
                return _embed(image, data, source, path=path, line=line, number=number)
            except InputError as exc:
                # An allowed image that cannot be had (offline, moved, not an image): the
                # figure links to it, as if the host were not listed; never a failed build.
                warn(replace(exc.diagnostic, message=exc.diagnostic.message + "; linked instead"))
                return replace(image, url=source, data=None)
        entry = parts.hostname if scheme == "https" else f"http://{parts.hostname}"
        warn(
            Diagnostic(
                f"the remote image '{source}' is not fetched; the figure links to it instead",
                path,
                line,
                f'to embed it, add [images] allow_hosts = ["{entry}"] to briefing.toml',
            )
        )
        return replace(image, url=source, data=None)
    if not source:
        _refuse(path, line, "this figure has no image source", "write the file name in (...)")
        return image
    if scheme or source.startswith(("/", "\\", "~")) or re.match(r"^[A-Za-z]:[\\/]", source):
        kind = f"'{scheme}:' URL" if scheme else "absolute path"
        _refuse(
            path,
            line,
            f"the image '{_short(source)}' is refused: an {kind} is never read",
            "put the image in the article's folder and give its relative path",
        )
        return image
    base = path.resolve().parent
    target = (base / source).resolve()
    if not target.exists() and "%" in source:
        # Markdown writes a space as %20 (and <a b.png> comes out of the parser so).
        source = unquote(source)
        target = (base / source).resolve()
    if not target.is_relative_to(base):
        _refuse(
            path,
            line,
            f"the image '{source}' is outside the article's folder, so it is not read",
            "move the image into the article's folder (or below it)",
        )
        return image
    if not target.exists():
        _refuse(
            path,
            line,
            f"the image '{source}' is not found, so the figure shows only its caption",
            "check the file name; it is relative to the article's folder",
        )
        return image
    try:
        data = read_bounded(target, MAX_IMAGE_BYTES, what="image")
    except InputError as exc:
        raise InputError(
            f"the image '{source}' cannot be used: {exc.diagnostic.message}",
            path=path,
            line=line,
            hint="check the file name and that the image is in the article's folder",
        ) from None
    return _embed(image, data, source, path=path, line=line, number=number)


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


def _refuse(path: Path, line: int, message: str, hint: str) -> None:
    warn(Diagnostic(message, path, line, hint))


def _embed(image: Image, data: bytes, source: str, *, path: Path, line: int, number: int) -> Image:
    """The image with its checked (and for SVG, sanitised) bytes, type, size and name."""
    media_type = sniff(data)
    if media_type is None:
        raise InputError(
            f"the image '{_short(source)}' is not a PNG, JPEG, GIF or SVG file",
            path=path,
            line=line,
            hint="convert it to PNG (charts) or JPEG (photographs)",
        )
    size: tuple[int, int] | None
    if media_type == "image/svg+xml":
        try:
            data, removed, size = sanitise_svg(data)
        except ValueError as exc:
            raise InputError(
                f"the SVG image '{_short(source)}' cannot be used: {exc}",
                path=path,
                line=line,
                hint="export it again as plain SVG, or as PNG",
            ) from None
        if removed:
            parts = list(dict.fromkeys(removed))
            listed = "; ".join(parts[:5]) + ("; ..." if len(parts) > 5 else "")
            warn(
                Diagnostic(
                    f"removed {len(removed)} unsafe part(s) from the SVG image "
                    f"'{_short(source)}': {listed}",
                    path,
                    line,
                    "export the chart without scripts or links to other files",
                )
            )
    else:
        normal = normalise_raster(data, media_type)
        if normal is None:
            _refuse(
                path,
                line,
                f"the image '{_short(source)}' cannot be decoded, so the figure shows only "
                "its caption and alt text",
                "open it in an image editor and export it again as PNG or JPEG",
            )
            return image
        data, media_type = normal
        size = image_size(data, media_type)
    width, height = size if size else (None, None)
    return replace(
        image,
        data=data,
        media_type=media_type,
        name=f"fig-{number}.{_EXTENSIONS[media_type]}",
        width=width,
        height=height,
    )


def _fetch(url: str, *, path: Path, line: int, policy: ImagePolicy) -> bytes:
    """An allowed remote image: from the cache, or fetched (timeout, size limit,
    image content type, no redirects to other hosts) and cached.

    :raises InputError: when it cannot be fetched.
    """
    folder = policy.cache_dir()
    cached = folder / hashlib.sha256(url.encode("utf-8")).hexdigest()
    usable = private_folder(folder)
    if usable and cached.is_file():
        return read_bounded(cached, MAX_IMAGE_BYTES, what="cached image")
    import urllib.error
    import urllib.request

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(url, headers={"User-Agent": "briefing"})
    try:
        with opener.open(request, timeout=FETCH_TIMEOUT) as response:
            kind = response.headers.get_content_type()
            if not kind.startswith("image/"):
                raise InputError(
                    f"the remote image '{_short(url)}' is served as '{kind}', not an image",
                    path=path,
                    line=line,
                    hint="link to the image file itself",
                )
            data: bytes = response.read(MAX_IMAGE_BYTES + 1)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise InputError(
            f"the remote image '{_short(url)}' cannot be fetched: {exc}",
            path=path,
            line=line,
            hint="check the address, or remove the host from [images] allow_hosts",
        ) from None
    if len(data) > MAX_IMAGE_BYTES:
        raise InputError(
            f"the remote image '{_short(url)}' is over the {MAX_IMAGE_BYTES:,}-byte limit",
            path=path,
            line=line,
        )
    if usable:
        staging = folder / f".{cached.name}.{os.getpid()}"
        staging.write_bytes(data)
        staging.replace(cached)
    return data
