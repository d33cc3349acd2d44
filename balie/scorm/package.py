"""Reading a SCORM package: a zip file that anyone with an upload button can craft, so
hostile until it has passed every check here.

No Django in this module: it takes a file object and gives back a `Package` (what the
manifest says) or raises `PackageError`, and `extract()` writes the checked files into a
fresh folder. The checks, in order:

- the zip itself: readable, not encrypted, no more than `Limits.files` members, no more than
  `Limits.total_bytes` uncompressed in total or `Limits.file_bytes` per member, no member that
  compresses suspiciously well (a zip bomb), no two members with the same name;
- every member's name: relative, no `..`, no backslash, no drive letter, no control
  characters, no symlink (zip-slip);
- `imsmanifest.xml` at the root, parsed with defusedxml: no DTD, no entities, no external
  references (XXE, billion laughs); a zip with `cmi5.xml` instead is a cmi5 course, read by
  `cmi5_package.py` after the checks on the zip;
- SCORM 1.2 or 2004 (2nd, 3rd or 4th edition), from the schema version or the namespaces;
- at least one item of the organisation that launches something (a SCO, or an asset: a plain
  page that does not report back), at a relative address inside the package, and every item
  a web page (.html or .htm); every file the manifest names is in the zip.

While extracting, the bytes are counted again: the sizes a zip declares can lie.

Messages are English msgids marked with `_`, a no-op here; whoever shows them translates
`error.message` and fills in `error.params`.
"""

from __future__ import annotations

import posixpath
import re
import shutil
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote, urlsplit
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from balie.scorm import activities as activity_tree

MANIFEST = "imsmanifest.xml"
# What an item may start: a web page, nothing else (no .exe, .php, .pdf, .swf).
LAUNCH_SUFFIXES = (".html", ".htm")
CHUNK = 64 * 1024
# How many missing files a message names before it says "and N more".
NAMED_IN_MESSAGE = 10


def _(message: str) -> str:
    """Marks a msgid for makemessages; the caller translates it."""
    return message


@dataclass(frozen=True)
class Limits:
    files: int = 2_000
    total_bytes: int = 200 * 1024 * 1024
    file_bytes: int = 100 * 1024 * 1024
    manifest_bytes: int = 2 * 1024 * 1024
    # Uncompressed / compressed. Text compresses 3-10 times, repeated markup up to ~50;
    # a zip bomb thousands of times. Only members larger than `ratio_from_bytes` are judged.
    ratio: int = 200
    ratio_from_bytes: int = 1024 * 1024


class PackageError(Exception):
    """Why a package was refused: an English msgid and its parameters."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params


@dataclass(frozen=True)
class Item:
    """One item of the organisation that launches something: its title and address."""

    identifier: str
    title: str
    launch: str  # relative to the package folder, with the item's parameters
    is_sco: bool


@dataclass(frozen=True)
class Package:
    version: str  # "1.2" or "2004"
    edition: str  # "1.2", "2004 2nd Edition", "2004 3rd Edition", "2004 4th Edition"
    title: str
    launch: str  # the first SCO's address (or the first item's), relative to the package folder
    items: tuple[Item, ...]  # every item that launches something, SCO or asset, in order
    file_count: int
    size: int  # uncompressed bytes
    files: frozenset[str] = field(repr=False, default=frozenset())
    # The organisation's activity tree with mastery, thresholds and sequencing (activities.py)
    activities: tuple[dict, ...] = field(repr=False, default=())


# --- The zip ------------------------------------------------------------------------------

_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _unsafe_name(name: str) -> str | None:
    """Why a member name (or an address in the manifest) could leave the package folder,
    or None when it cannot."""
    if "\\" in name:
        return _("a backslash")
    if _CONTROL.search(name):
        return _("a control character")
    if name.startswith("/") or _DRIVE.match(name):
        return _("an absolute path")
    if ".." in name.split("/"):
        return _("a path with ..")
    return None


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def _open(source: BinaryIO) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(source)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        raise PackageError(_("This file is not a zip file, or the zip file is damaged.")) from None


def _check_members(archive: zipfile.ZipFile, limits: Limits) -> list[zipfile.ZipInfo]:
    """The file members (not folders), after the checks on names and declared sizes."""
    members = archive.infolist()
    if len(members) > limits.files:
        raise PackageError(
            _("The package holds more than %(limit)s files."), limit=f"{limits.files:,}"
        )
    files: list[zipfile.ZipInfo] = []
    seen: set[str] = set()
    total = 0
    for info in members:
        name = info.filename
        reason = _unsafe_name(name)
        if reason:
            raise PackageError(
                _("The package contains %(name)r, which has %(reason)s in its name."),
                name=name,
                reason=reason,
            )
        if _is_symlink(info):
            raise PackageError(_("The package contains a symbolic link: %(name)r."), name=name)
        if info.flag_bits & 0x1:
            raise PackageError(_("The package contains an encrypted file: %(name)r."), name=name)
        if info.is_dir():
            continue
        key = posixpath.normpath(name)
        if key in seen:
            raise PackageError(_("The package contains %(name)r twice."), name=name)
        seen.add(key)
        if info.file_size > limits.file_bytes:
            raise PackageError(
                _("The file %(name)r is larger than %(limit)s MB."),
                name=name,
                limit=limits.file_bytes // 2**20,
            )
        if info.file_size > limits.ratio_from_bytes and info.file_size > limits.ratio * max(
            info.compress_size, 1
        ):
            raise PackageError(
                _("The file %(name)r is compressed suspiciously well (a zip bomb?)."), name=name
            )
        total += info.file_size
        if total > limits.total_bytes:
            raise PackageError(
                _("The package is larger than %(limit)s MB when unpacked."),
                limit=limits.total_bytes // 2**20,
            )
        files.append(info)
    return files


def _read_manifest(archive: zipfile.ZipFile, names: set[str], limits: Limits) -> bytes:
    if MANIFEST not in names:
        raise PackageError(
            _("There is no imsmanifest.xml at the top of the zip file. Is this a SCORM package?")
        )
    return read_small(archive, MANIFEST, limits, _("The imsmanifest.xml is too large."))


def read_small(archive: zipfile.ZipFile, name: str, limits: Limits, too_large: str) -> bytes:
    """A package's structure file (imsmanifest.xml, cmi5.xml), read no further than the limit
    allows, whatever size the zip declares for it."""
    info = archive.getinfo(name)
    if info.file_size > limits.manifest_bytes:
        raise PackageError(too_large)
    try:
        with archive.open(info) as stream:
            data = stream.read(limits.manifest_bytes + 1)
    # zipfile raises NotImplementedError for a compression method it cannot read: a broken
    # package for us, like the other errors.
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
        raise PackageError(_("This file is not a zip file, or the zip file is damaged.")) from None
    if len(data) > limits.manifest_bytes:
        raise PackageError(too_large)
    return data


# --- The manifest -------------------------------------------------------------------------

NS_12 = (
    "http://www.adlnet.org/xsd/adlcp_rootv1p2",
    "http://www.imsproject.org/xsd/imscp_rootv1p1p2",
)
NS_2004 = ("http://www.adlnet.org/xsd/adlcp_v1p3", "http://www.imsglobal.org/xsd/imscp_v1p1")
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
EDITIONS = {
    "1.2": ("1.2", "1.2"),
    "cam 1.3": ("2004", "2004 2nd Edition"),
    "2004 2nd edition": ("2004", "2004 2nd Edition"),
    "2004 3rd edition": ("2004", "2004 3rd Edition"),
    "2004 4th edition": ("2004", "2004 4th Edition"),
}


def _local(element: Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def _children(element: Element, name: str) -> list[Element]:
    return [child for child in element if _local(child) == name]


def _child(element: Element, name: str) -> Element | None:
    found = _children(element, name)
    return found[0] if found else None


def _text(element: Element | None) -> str:
    return " ".join((element.text or "").split()) if element is not None else ""


def _attribute(element: Element, name: str) -> str:
    """An attribute by its local name, whatever its namespace prefix."""
    for key, value in element.attrib.items():
        if key.rsplit("}", 1)[-1] == name:
            return value.strip()
    return ""


def _parse(data: bytes) -> Element:
    try:
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise PackageError(
            _(
                "The imsmanifest.xml uses a DTD, entities or external references. Balie does "
                "not read those, for safety."
            )
        ) from None
    except ParseError as error:
        line = error.position[0] if getattr(error, "position", None) else "?"
        raise PackageError(
            _("The imsmanifest.xml is not valid XML (line %(line)s)."), line=line
        ) from None


def _edition(manifest: Element) -> tuple[str, str]:
    metadata = _child(manifest, "metadata")
    declared = _text(_child(metadata, "schemaversion")) if metadata is not None else ""
    if declared.lower() in EDITIONS:
        return EDITIONS[declared.lower()]
    namespaces = {manifest.tag.split("}")[0].lstrip("{")} | {
        key.split("}")[0].lstrip("{") for element in manifest.iter() for key in element.attrib
    }
    if namespaces & set(NS_2004):
        return "2004", "2004"
    if namespaces & set(NS_12):
        return "1.2", "1.2"
    raise PackageError(_("The manifest does not say SCORM 1.2 or SCORM 2004."))


def _join(*parts: str) -> str:
    """Join xml:base values and an href as the manifest means them: relative paths."""
    path = ""
    for part in parts:
        if part:
            path = posixpath.join(path, part) if path else part
    return path


def _with_parameters(href: str, parameters: str) -> str:
    """An item's launch address: the resource's href plus the item's parameters (IMS CP)."""
    if not parameters:
        return href
    if parameters.startswith("#"):
        return href if "#" in href else href + parameters
    parameters = parameters.lstrip("?&")
    return f"{href}{'&' if '?' in href else '?'}{parameters}"


def _file_path(address: str) -> str:
    """The member name that an address in the manifest points at."""
    parts = urlsplit(address)
    if parts.scheme or parts.netloc:
        raise PackageError(
            _("The manifest points outside the package: %(address)r."), address=address
        )
    path = unquote(parts.path)
    reason = _unsafe_name(path)
    if reason:
        raise PackageError(
            _("The manifest names %(address)r, which has %(reason)s in it."),
            address=address,
            reason=reason,
        )
    return posixpath.normpath(path)


@dataclass
class _Resource:
    identifier: str
    href: str  # with xml:base applied, may have a query
    is_sco: bool
    files: list[str]


def _resources(manifest: Element) -> dict[str, _Resource]:
    base = _attribute(manifest, "base")
    found: dict[str, _Resource] = {}
    for group in _children(manifest, "resources"):
        group_base = _join(base, group.get(XML_BASE, ""))
        for resource in _children(group, "resource"):
            resource_base = _join(group_base, resource.get(XML_BASE, ""))
            kind = (_attribute(resource, "scormtype") or _attribute(resource, "scormType")).lower()
            href = resource.get("href", "").strip()
            identifier = resource.get("identifier", "").strip()
            files = [
                _join(resource_base, f.get("href", "").strip())
                for f in _children(resource, "file")
                if f.get("href", "").strip()
            ]
            if kind == "sco" and not href:
                raise PackageError(
                    _("The SCO %(identifier)r in the manifest has no launch address (href)."),
                    identifier=identifier,
                )
            found[identifier] = _Resource(
                identifier=identifier,
                href=_join(resource_base, href) if href else "",
                is_sco=kind == "sco",
                files=files,
            )
    return found


def _organisation(manifest: Element) -> Element | None:
    organisations = _child(manifest, "organizations")
    if organisations is None:
        return None
    all_of_them = _children(organisations, "organization")
    default = organisations.get("default", "").strip()
    chosen = [o for o in all_of_them if o.get("identifier", "").strip() == default]
    return (chosen or all_of_them or [None])[0]


def _items(organisation: Element | None, resources: dict[str, _Resource]) -> list[Item]:
    """The items that launch something, in the order of the organisation's tree."""
    if organisation is None:
        return []
    found: list[Item] = []
    for element in organisation.iter():
        if _local(element) != "item":
            continue
        resource = resources.get(element.get("identifierref", "").strip())
        if resource is None or not resource.href:
            continue
        launch = _with_parameters(resource.href, element.get("parameters", "").strip())
        _file_path(launch)
        found.append(
            Item(
                identifier=element.get("identifier", "").strip(),
                title=_text(_child(element, "title")) or resource.identifier,
                launch=launch,
                is_sco=resource.is_sco,
            )
        )
    return found


def _missing(resources: dict[str, _Resource], names: set[str]) -> list[str]:
    named: list[str] = []
    for resource in resources.values():
        addresses = ([resource.href] if resource.href else []) + resource.files
        for address in addresses:
            path = _file_path(address)
            if path not in names and path not in named:
                named.append(path)
    return named


def _describe(archive: zipfile.ZipFile, limits: Limits) -> tuple[Package, list[zipfile.ZipInfo]]:
    members = _check_members(archive, limits)
    names = {posixpath.normpath(info.filename) for info in members}
    if MANIFEST not in names and "cmi5.xml" in names:
        from balie.scorm import cmi5_package  # it builds on this module

        return cmi5_package.describe(archive, members, names, limits), members
    manifest = _parse(_read_manifest(archive, names, limits))
    if _local(manifest) != "manifest":
        raise PackageError(_("The imsmanifest.xml is not a SCORM manifest."))
    version, edition = _edition(manifest)
    resources = _resources(manifest)
    organisation = _organisation(manifest)
    items = _items(organisation, resources)
    scos = [item for item in items if item.is_sco]
    if not items:
        raise PackageError(_("The package has no item that can be started."))
    for item in items:
        check_launch_file(_file_path(item.launch))
    missing = _missing(resources, names)
    if missing:
        shown = ", ".join(missing[:NAMED_IN_MESSAGE])
        if len(missing) > NAMED_IN_MESSAGE:
            raise PackageError(
                _("The manifest names files that are not in the zip: %(files)s and %(more)s more."),
                files=shown,
                more=len(missing) - NAMED_IN_MESSAGE,
            )
        raise PackageError(
            _("The manifest names files that are not in the zip: %(files)s."), files=shown
        )
    title = _text(_child(organisation, "title")) if organisation is not None else ""
    package = Package(
        version=version,
        edition=edition,
        title=title or (scos or items)[0].title,
        launch=(scos or items)[0].launch,
        items=tuple(items),
        file_count=len(members),
        size=sum(info.file_size for info in members),
        files=frozenset(names),
        activities=_activities(manifest, organisation, items),
    )
    return package, members


def _activities(manifest: Element, organisation: Element | None, items: list[Item]) -> tuple:
    if organisation is None:
        return ()
    launches = {item.identifier: (item.launch, item.is_sco) for item in items}
    return tuple(activity_tree.read(manifest, organisation, launches))


def read_activities(manifest: bytes) -> tuple[dict, ...]:
    """The activity tree of the manifest of a package that was checked and unpacked before
    (activities.py), for a package imported before Balie read it. PackageError for a
    manifest it cannot read."""
    root = _parse(manifest)
    organisation = _organisation(root)
    return _activities(root, organisation, _items(organisation, _resources(root)))


def inspect(source: BinaryIO, limits: Limits = Limits()) -> Package:
    """What the package is, after every check that needs no unpacking. Writes nothing."""
    with _open(source) as archive:
        return _describe(archive, limits)[0]


# --- Other websites -----------------------------------------------------------------------


# Files whose text may make a browser load something: pages, scripts, styles.
def check_launch_file(path: str) -> None:
    """Refuse a launch file that is not a web page: a package starts nothing else."""
    if not path.lower().endswith(LAUNCH_SUFFIXES):
        raise PackageError(
            _(
                "The package starts %(name)r. Balie only starts web pages (.html or .htm) "
                "in a package."
            ),
            name=path,
        )


SCANNED_SUFFIXES = (".html", ".htm", ".js", ".mjs", ".css")
_ADDRESS = re.compile(
    rb"https?://([a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+)(?::[0-9]+)?",
    re.IGNORECASE,
)
# Names in XML namespaces, doctypes and licence comments, not places a browser goes to.
NOT_LOADED = frozenset(
    {
        "www.w3.org",
        "www.imsglobal.org",
        "www.imsproject.org",
        "www.adlnet.org",
        "www.adlnet.gov",
        "ltsc.ieee.org",
        "purl.org",
        "ns.adobe.com",
        "schemas.xmlsoap.org",
        "schemas.microsoft.com",
    }
)
# How much of one file is read when looking for addresses.
SCAN_BYTES = 4 * 1024 * 1024


def external_hosts(folder: Path) -> list[str]:
    """The host names of the other websites that the unpacked package's pages, scripts and
    styles name (http or https), sorted. Some are only mentioned, not loaded; the list is for
    the editor to judge."""
    found: set[str] = set()
    for path in folder.rglob("*"):
        if path.suffix.lower() not in SCANNED_SUFFIXES or not path.is_file():
            continue
        with path.open("rb") as stream:
            text = stream.read(SCAN_BYTES)
        for match in _ADDRESS.finditer(text):
            host = match.group(1).decode("ascii").lower()
            if host not in NOT_LOADED:
                found.add(host)
    return sorted(found)


# --- Extracting ---------------------------------------------------------------------------


def _copy(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, budget: int) -> int:
    """Write one member, counting what really comes out. Returns the bytes written."""
    written = 0
    try:
        with archive.open(info) as stream, target.open("xb") as out:
            while chunk := stream.read(CHUNK):
                written += len(chunk)
                if written > info.file_size or written > budget:
                    raise PackageError(
                        _("The file %(name)r is larger than the zip file says."),
                        name=info.filename,
                    )
                out.write(chunk)
    except (zipfile.BadZipFile, EOFError, NotImplementedError, ValueError):  # see _read_manifest
        raise PackageError(
            _("The file %(name)r in the zip is damaged."), name=info.filename
        ) from None
    return written


def extract(source: BinaryIO, folder: Path, limits: Limits = Limits()) -> Package:
    """Check the package and unpack it into `folder`, which must not exist yet. On any
    failure the folder is removed again, so nothing is left behind."""
    folder.mkdir(parents=True, exist_ok=False)
    try:
        root = folder.resolve()
        with _open(source) as archive:
            package, members = _describe(archive, limits)
            budget = limits.total_bytes
            for info in members:
                target = (root / posixpath.normpath(info.filename)).resolve()
                if not target.is_relative_to(root) or target == root:
                    raise PackageError(
                        _("The package contains %(name)r, which points outside the package."),
                        name=info.filename,
                    )
                try:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    budget -= _copy(archive, info, target, budget)
                except (FileExistsError, NotADirectoryError):
                    raise PackageError(
                        _("The package uses %(name)r both as a file and as a folder."),
                        name=info.filename,
                    ) from None
        return package
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
