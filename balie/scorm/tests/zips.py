"""Small SCORM packages built in memory for the tests, friendly and hostile."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

# The public sample packages (README.md there says where they come from), copied from the
# team's shared fixtures so that the tests need nothing outside the repository.
FIXTURES = Path(__file__).resolve().parent / "fixtures"

MANIFEST_12 = """<?xml version="1.0"?>
<manifest identifier="test" version="1"
    xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="org">
    <organization identifier="org">
      <title>{title}</title>
      <item identifier="item_1" identifierref="sco"{parameters}><title>Start</title></item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="sco" type="webcontent" adlcp:scormtype="sco" href="{href}">
      <file href="index.html"/>
    </resource>
  </resources>
</manifest>
"""
PAGE = b"<!DOCTYPE html><html><head><title>SCO</title></head><body>Hallo</body></html>"


def manifest(title: str = "Testpakket", href: str = "index.html", parameters: str = "") -> str:
    extra = f' parameters="{parameters}"' if parameters else ""
    return MANIFEST_12.format(title=title, href=href, parameters=extra)


def build(files: dict[str, bytes | str], *, symlinks: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return buffer.getvalue()


def package(**files: bytes | str) -> bytes:
    """A valid one-SCO SCORM 1.2 package, with `files` added or replaced."""
    return build({"imsmanifest.xml": manifest(), "index.html": PAGE, **files})


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def lying_bomb(real_bytes: int, claimed_bytes: int) -> bytes:
    """A package whose index.html unpacks to `real_bytes` zeros while the zip's central
    directory says it holds `claimed_bytes`."""
    data = bytearray(build({"imsmanifest.xml": manifest(), "index.html": b"\0" * real_bytes}))
    directory = data.rfind(b"PK\x01\x02")
    while directory != -1:
        name_length = int.from_bytes(data[directory + 28 : directory + 30], "little")
        name = bytes(data[directory + 46 : directory + 46 + name_length])
        if name == b"index.html":
            data[directory + 24 : directory + 28] = claimed_bytes.to_bytes(4, "little")
            break
        directory = data.rfind(b"PK\x01\x02", 0, directory)
    return bytes(data)
