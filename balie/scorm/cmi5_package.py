"""Reading a cmi5 course package: a zip with `cmi5.xml` (the course structure) at its root.

The zip itself has passed `package._check_members` (names, sizes, bombs) before this module
sees it; here the course structure is read as hostile XML in the same way as a SCORM manifest
(defusedxml, no DTD, no entities). What comes out is a `package.Package` whose version is
"cmi5", with one `AU` per assignable unit, in the order of the course structure, and the
course's own id and blocks.

- Every AU has an id (an IRI), a title and a url: relative to the package (the file must be in
  the zip) or absolute http(s) (content that lives elsewhere).
- moveOn, masteryScore and launchMethod are checked against their value spaces; a missing
  one gets the specification's default (NotApplicable, none, AnyWindow).
- Blocks may nest; each AU keeps the ids of the blocks it is in, outermost first.

No Django here, like `package.py`: messages are English msgids that the caller translates.
"""

from __future__ import annotations

import posixpath
import zipfile
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element

from balie.scorm.package import (
    Item,
    Limits,
    Package,
    PackageError,
    _,
    _child,
    _children,
    _file_path,
    _local,
    _parse,
    _text,
    check_launch_file,
    read_small,
)

STRUCTURE = "cmi5.xml"
VERSION = "cmi5"
MOVE_ON = ("Passed", "Completed", "CompletedAndPassed", "CompletedOrPassed", "NotApplicable")
LAUNCH_METHODS = ("AnyWindow", "OwnWindow")
# The title shown in Balie: Dutch first, then English, then whatever comes first.
LANGUAGES = ("nl", "en")


@dataclass(frozen=True)
class Block:
    identifier: str
    title: str


@dataclass(frozen=True)
class AU(Item):
    """An assignable unit: `launch` is its url (relative to the package, or absolute)."""

    move_on: str = "NotApplicable"
    mastery_score: str = ""  # a decimal between 0 and 1, as written; empty when not given
    launch_method: str = "AnyWindow"
    launch_parameters: str = ""
    entitlement_key: str = ""
    blocks: tuple[str, ...] = ()  # the ids of the blocks it is in, outermost first

    def as_dict(self) -> dict:
        return {
            "id": self.identifier,
            "title": self.title,
            "url": self.launch,
            "moveOn": self.move_on,
            "masteryScore": self.mastery_score,
            "launchMethod": self.launch_method,
            "launchParameters": self.launch_parameters,
            "entitlementKey": self.entitlement_key,
            "blocks": list(self.blocks),
        }


@dataclass(frozen=True)
class Course(Package):
    """A cmi5 package: `items` are its AUs; `identifier` is the course's own id."""

    identifier: str = ""
    blocks: tuple[Block, ...] = ()

    def structure(self) -> dict:
        """What Balie keeps of the course structure (`scorm.Package.cmi5`)."""
        return {
            "course": {"id": self.identifier, "title": self.title},
            "blocks": [{"id": b.identifier, "title": b.title} for b in self.blocks],
            "aus": [au.as_dict() for au in self.items if isinstance(au, AU)],
        }


def _title(element: Element | None) -> str:
    """A langstring title: Dutch, else English, else the first one."""
    if element is None:
        return ""
    strings = _children(element, "langstring")
    for language in LANGUAGES:
        for string in strings:
            lang = string.get("lang", "").strip().lower()
            if lang == language or lang.startswith(language + "-"):
                return _text(string)
    return _text(strings[0]) if strings else _text(element)


def _iri(element: Element) -> str:
    identifier = element.get("id", "").strip()
    parts = urlsplit(identifier)
    if not identifier or not parts.scheme or " " in identifier:
        raise PackageError(
            _("The cmi5.xml has an id that is not a valid IRI: %(id)r."), id=identifier
        )
    return identifier


def _read(archive: zipfile.ZipFile, limits: Limits) -> bytes:
    return read_small(archive, STRUCTURE, limits, _("The cmi5.xml is too large."))


def _url(element: Element, identifier: str, names: set[str]) -> str:
    url = _text(_child(element, "url"))
    if not url:
        raise PackageError(_("The AU %(id)r in the cmi5.xml has no url."), id=identifier)
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise PackageError(
                _("The AU %(id)r starts at %(url)r: only http and https addresses can be opened."),
                id=identifier,
                url=url,
            )
        return url
    path = _file_path(url)
    if path not in names:
        raise PackageError(
            _("The cmi5.xml names files that are not in the zip: %(files)s."), files=path
        )
    check_launch_file(path)
    return url


def _mastery(element: Element, identifier: str) -> str:
    value = element.get("masteryScore", "").strip()
    if not value:
        return ""
    try:
        score = Decimal(value)
    except InvalidOperation:
        score = Decimal(-1)
    if not Decimal(0) <= score <= Decimal(1):
        raise PackageError(
            _("The AU %(id)r has a masteryScore of %(value)r; it must lie between 0 and 1."),
            id=identifier,
            value=value,
        )
    return value


def _choice(element: Element, name: str, allowed: tuple[str, ...], default: str, au: str) -> str:
    value = element.get(name, "").strip() or default
    if value not in allowed:
        raise PackageError(
            _("The AU %(id)r has %(name)s %(value)r; allowed are: %(allowed)s."),
            id=au,
            name=name,
            value=value,
            allowed=", ".join(allowed),
        )
    return value


def _au(element: Element, blocks: tuple[str, ...], names: set[str]) -> AU:
    identifier = _iri(element)
    return AU(
        identifier=identifier,
        title=_title(_child(element, "title")) or identifier,
        launch=_url(element, identifier, names),
        is_sco=True,
        move_on=_choice(element, "moveOn", MOVE_ON, "NotApplicable", identifier),
        mastery_score=_mastery(element, identifier),
        launch_method=_choice(element, "launchMethod", LAUNCH_METHODS, "AnyWindow", identifier),
        launch_parameters=_text(_child(element, "launchParameters")),
        entitlement_key=_text(_child(element, "entitlementKey")),
        blocks=blocks,
    )


def _walk(
    element: Element, path: tuple[str, ...], names: set[str], aus: list[AU], blocks: list[Block]
) -> None:
    for child in element:
        kind = _local(child)
        if kind == "au":
            aus.append(_au(child, path, names))
        elif kind == "block":
            block = Block(_iri(child), _title(_child(child, "title")))
            blocks.append(block)
            _walk(child, (*path, block.identifier), names, aus, blocks)


def describe(
    archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], names: set[str], limits: Limits
) -> Course:
    """The course in a zip whose members have passed the checks of `package.py`."""
    root = _parse(_read(archive, limits))
    if _local(root) != "courseStructure":
        raise PackageError(_("The cmi5.xml is not a cmi5 course structure."))
    course = _child(root, "course")
    if course is None:
        raise PackageError(_("The cmi5.xml has no course."))
    aus: list[AU] = []
    blocks: list[Block] = []
    _walk(root, (), names, aus, blocks)
    if not aus:
        raise PackageError(_("The package has no item that can be started."))
    ids = [au.identifier for au in aus] + [block.identifier for block in blocks]
    doubles = sorted(identifier for identifier, count in Counter(ids).items() if count > 1)
    if doubles:
        raise PackageError(_("The cmi5.xml uses the id %(id)r twice."), id=doubles[0])
    identifier = _iri(course)
    return Course(
        version=VERSION,
        edition=VERSION,
        title=_title(_child(course, "title")) or aus[0].title,
        launch=aus[0].launch,
        items=tuple(aus),
        file_count=len(members),
        size=sum(info.file_size for info in members),
        files=frozenset(posixpath.normpath(name) for name in names),
        identifier=identifier,
        blocks=tuple(blocks),
    )
