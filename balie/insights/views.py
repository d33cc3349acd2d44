"""The insights dashboards: a library, a POI and the country, along Kirkpatrick's four levels,
each also as CSV and XLSX (`?format=csv` / `?format=xlsx` with the same filter). The figures
come from the cache when the data has not grown (`queries.cached_report`)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from balie.insights import answers, queries
from balie.insights.filters import PeriodForm
from balie.lib.tables import write_csv, write_xlsx
from balie.orgs import access
from balie.orgs.models import Organisation, Role

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """To the dashboard that fits the person: the country, their POI or their library."""
    user = request.user
    if queries.may_see_country(user):
        return redirect("insights:national")
    managed = sorted(access.library_ids_where(user, Role.MANAGER))
    if managed:
        return redirect("insights:library", pk=managed[0])
    poi = queries.pois_for(user).order_by("name").first()
    if poi is not None:
        return redirect("insights:poi", pk=poi.pk)
    raise Http404


@require_GET
def library(request: HttpRequest, pk: int, board: bool = False) -> HttpResponse:
    library = _get(queries.libraries_for(request.user), pk)
    branches = library.children.filter(kind=Organisation.Kind.BRANCH).order_by("name")
    form = PeriodForm(request.GET, branches=branches)
    context = {"organisation": library, "form": form, "level": "library", "board": board}
    if not form.is_valid():
        return _bad_filter(request, context)
    branch = form.cleaned_data.get("branch")
    scope = queries.library_scope(library, form.period, branch)
    name = f"library-{library.pk}-{branch.pk if branch else 'all'}"
    return _respond(request, form, queries.cached_report(scope, name), context)


@require_GET
def poi(request: HttpRequest, pk: int, board: bool = False) -> HttpResponse:
    poi = _get(queries.pois_for(request.user), pk)
    form = PeriodForm(request.GET)
    context = {"organisation": poi, "form": form, "level": "poi", "board": board}
    if not form.is_valid():
        return _bad_filter(request, context)
    scope = queries.poi_scope(poi, form.period)
    return _respond(request, form, queries.cached_report(scope, f"poi-{poi.pk}"), context)


@require_GET
def national(request: HttpRequest, board: bool = False) -> HttpResponse:
    if not queries.may_see_country(request.user):
        raise Http404
    form = PeriodForm(request.GET)
    context = {"organisation": None, "form": form, "level": "national", "board": board}
    if not form.is_valid():
        return _bad_filter(request, context)
    scope = queries.national_scope(form.period)
    return _respond(request, form, queries.cached_report(scope, "national"), context)


def _get(queryset: QuerySet[Organisation], pk: int) -> Organisation:
    """The organisation `pk` if the person may see its dashboard; 404 for missing and
    not-yours alike."""
    organisation = queryset.filter(pk=pk).first()
    if organisation is None:
        raise Http404
    return organisation


def _bad_filter(request: HttpRequest, context: dict) -> HttpResponse:
    return render(request, "insights/dashboard.html", {**context, "nav": "insights"}, status=400)


def _respond(request: HttpRequest, form: PeriodForm, report, context: dict) -> HttpResponse:
    """The dashboard, its export, or (`board`) the one-page report for the board: all three
    open with the same four answers."""
    found = answers.summaries(report)
    export = form.cleaned_data.get("format")
    if export:
        return _export(report, found, export, context["organisation"], form)
    query = request.GET.copy()
    query.pop("format", None)
    links = {"page": "?" + query.urlencode() if query else ""}
    for name in CONTENT_TYPES:
        query["format"] = name
        links[name] = "?" + query.urlencode()
    context = {
        **context,
        "report": report,
        "answers": found,
        "export_links": links,
        "total_chart": answers.total_chart(report),
        "steps_chart": answers.steps_chart(report),
        "cache_seconds": queries.CACHE_SECONDS,
        "nav": "insights",
    }
    template = "insights/report.html" if context["board"] else "insights/dashboard.html"
    return render(request, template, context)


def _export(report, found: list, export: str, organisation: Organisation | None, form: PeriodForm):
    tables = [answers.answers_table(found), *report.tables()]
    body = write_csv(tables).encode("utf-8-sig") if export == "csv" else write_xlsx(tables)
    period = form.period
    name = slugify(organisation.slug if organisation else "nederland")
    filename = f"balie-inzicht-{name}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.{export}"
    response = HttpResponse(body, content_type=CONTENT_TYPES[export])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
