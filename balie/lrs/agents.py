"""Agents and Groups as xAPI 1.0.3 defines them (Data 2.4.2), checked once for the whole LRS:
the statement validator calls `validate_agent` for every actor, authority, instructor, team
and object that is an Agent or Group; the `agent=` query parameters come through
`parse_agent_param`.

An Agent has exactly one inverse functional identifier (mbox, mbox_sha1sum, openid or
account). A Group is either anonymous (no identifier, a list of members) or identified (one
identifier, members optional); members are Agents, never Groups. Properties the spec does not
name are refused, so that a typo (`mbx`) is a 400 and not an agent that matches nothing.
Whether `objectType` must be present depends on where the agent stands (it must when the agent
is a statement's object); that is the caller's rule, not this module's.
"""

from __future__ import annotations

import re
from typing import Any

from balie.lib import jsonbody
from balie.lrs.http import BadRequest

IDENTIFIERS = ("mbox", "mbox_sha1sum", "openid", "account")
AGENT_PROPERTIES = frozenset({"objectType", "name", *IDENTIFIERS})
GROUP_PROPERTIES = AGENT_PROPERTIES | {"member"}
ACCOUNT_PROPERTIES = frozenset({"homePage", "name"})

_MAILTO = re.compile(r"mailto:[^@\s]+@[^@\s]+")
_SHA1 = re.compile(r"[0-9a-fA-F]{40}")
ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+")


def validate_agent(value: Any, path: str) -> None:
    """Raise `BadRequest` naming `path` (e.g. "actor.member[1].mbox") unless `value` is a valid
    Agent or Group."""
    if not isinstance(value, dict):
        raise BadRequest(f"{path}: an Agent or Group must be a JSON object")
    kind = value.get("objectType", "Agent")
    if kind == "Agent":
        _check_agent(value, path)
    elif kind == "Group":
        _check_group(value, path)
    else:
        raise BadRequest(f"{path}.objectType: must be 'Agent' or 'Group', not {kind!r}")


def parse_agent_param(text: str) -> dict[str, Any]:
    """The `agent` query parameter: JSON of an Agent or an identified Group (something that an
    identifier names; an anonymous group cannot be looked up)."""
    try:
        value = jsonbody.loads(text)
    except ValueError:
        raise BadRequest("agent: not valid JSON") from None
    validate_agent(value, "agent")
    if not identifiers_of(value):
        raise BadRequest("agent: an anonymous Group cannot be used here; give an identifier")
    return value


def identifiers_of(agent: dict[str, Any]) -> list[str]:
    """The names of the inverse functional identifiers that `agent` carries."""
    return [name for name in IDENTIFIERS if name in agent]


def _check_agent(value: dict[str, Any], path: str) -> None:
    _refuse_unknown(value, AGENT_PROPERTIES, path)
    _check_name(value, path)
    found = identifiers_of(value)
    if len(found) != 1:
        raise BadRequest(
            f"{path}: an Agent needs exactly one of mbox, mbox_sha1sum, openid or account"
            f" (found {len(found)})"
        )
    _check_identifier(value, found[0], path)


def _check_group(value: dict[str, Any], path: str) -> None:
    _refuse_unknown(value, GROUP_PROPERTIES, path)
    _check_name(value, path)
    found = identifiers_of(value)
    if len(found) > 1:
        raise BadRequest(f"{path}: a Group has at most one identifier (found {', '.join(found)})")
    if found:
        _check_identifier(value, found[0], path)
    members = value.get("member")
    if members is None and not found:
        raise BadRequest(f"{path}.member: an anonymous Group needs a list of members")
    if members is None:
        return
    if not isinstance(members, list):
        raise BadRequest(f"{path}.member: must be a list of Agents")
    if not members and not found:
        raise BadRequest(f"{path}.member: an anonymous Group needs at least one member")
    for index, member in enumerate(members):
        where = f"{path}.member[{index}]"
        if isinstance(member, dict) and member.get("objectType", "Agent") != "Agent":
            raise BadRequest(f"{where}.objectType: the members of a Group are Agents")
        validate_agent(member, where)


def _refuse_unknown(value: dict[str, Any], allowed: frozenset[str], path: str) -> None:
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise BadRequest(f"{path}.{unknown[0]}: not a property of an Agent or Group")


def _check_name(value: dict[str, Any], path: str) -> None:
    if "name" in value and not isinstance(value["name"], str):
        raise BadRequest(f"{path}.name: must be a string")


def _check_identifier(value: dict[str, Any], name: str, path: str) -> None:
    given = value[name]
    where = f"{path}.{name}"
    if name == "account":
        _check_account(given, where)
    elif not isinstance(given, str):
        raise BadRequest(f"{where}: must be a string")
    elif name == "mbox" and not _MAILTO.fullmatch(given):
        raise BadRequest(f"{where}: must be a mailto: IRI such as mailto:someone@example.org")
    elif name == "mbox_sha1sum" and not _SHA1.fullmatch(given):
        raise BadRequest(f"{where}: must be the SHA-1 of a mailto: IRI, as 40 hex digits")
    elif name == "openid" and not ABSOLUTE_IRI.fullmatch(given):
        raise BadRequest(f"{where}: must be an absolute URI")


def _check_account(account: Any, path: str) -> None:
    if not isinstance(account, dict):
        raise BadRequest(f"{path}: must be an object with homePage and name")
    unknown = sorted(set(account) - ACCOUNT_PROPERTIES)
    if unknown:
        raise BadRequest(f"{path}.{unknown[0]}: not a property of an account")
    home_page = account.get("homePage")
    if not isinstance(home_page, str) or not ABSOLUTE_IRI.fullmatch(home_page):
        raise BadRequest(f"{path}.homePage: must be an absolute IRL")
    if not isinstance(account.get("name"), str) or not account["name"]:
        raise BadRequest(f"{path}.name: must be a non-empty string")
