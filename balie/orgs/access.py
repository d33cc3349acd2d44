"""Who may see what: the one place where organisation scope is decided.

Each model that holds tenant data has a `visible_to(user)` QuerySet method built on the
helpers here, and views fetch single objects only through `get_for()`, so that a list and a
detail page cannot disagree. "Missing" and "not yours" give the same 404.
"""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, Q, QuerySet
from django.http import Http404

from balie.orgs.models import Organisation, Role, User

M = TypeVar("M", bound=Model)


def is_national(user: User) -> bool:
    """Programme editors and administrators work for the whole country."""
    return user.is_superuser or user.has_role(Role.EDITOR, Role.ADMIN)


def organisation_ids_for(user: User) -> frozenset[int]:
    """The organisations whose data `user` may see, by their role in each: a POI adviser the
    POI and every library it serves with their branches; library staff their library and its
    branches. National roles see everything; ask `is_national` first."""
    cached = user.__dict__.get("_organisation_ids")
    if cached is not None:  # once per request: `user` is the request's own object
        return cached
    user.__dict__["_organisation_ids"] = ids = _organisation_ids(user)
    return ids


def _organisation_ids(user: User) -> frozenset[int]:
    own = {m.organisation_id for m in user.active_memberships}
    pois = {
        m.organisation_id
        for m in user.active_memberships
        if m.organisation.kind == Organisation.Kind.POI
    }
    if not own:
        return frozenset()
    below = Organisation.objects.filter(
        Q(parent_id__in=own) | Q(parent__parent_id__in=pois)
    ).values_list("id", flat=True)
    return frozenset(own | set(below))


def organisations_visible_to(user: User) -> QuerySet[Organisation]:
    if is_national(user):
        return Organisation.objects.all()
    return Organisation.objects.filter(id__in=organisation_ids_for(user))


def in_scope(queryset: QuerySet[M], user: User, field: str = "library_id") -> QuerySet[M]:
    """The rows of `queryset` whose organisation (`field`) is in `user`'s scope; every row for
    national roles. The usual body of a tenant model's `visible_to(user)`."""
    if is_national(user):
        return queryset
    return queryset.filter(**{f"{field}__in": organisation_ids_for(user)})


def library_ids_where(user: User, *roles: str) -> set[int]:
    """The libraries in which `user` holds one of `roles` (any role when none are given).
    Only the person's own memberships count: a POI adviser has none here."""
    return {
        m.organisation_id
        for m in user.active_memberships
        if m.organisation.kind == Organisation.Kind.LIBRARY and (not roles or m.role in roles)
    }


def owned_by(user: User, field: str = "user") -> Q:
    """Rows that are the person's own (notes, progress, time): nobody else's role reaches them."""
    return Q(**{field: user})


def get_for(user: User, queryset: QuerySet[M], pk: object) -> M:
    """The object `pk` from `queryset.visible_to(user)`, or 404 for missing and not-yours alike."""
    try:
        return queryset.visible_to(user).get(pk=pk)  # type: ignore[attr-defined]
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
