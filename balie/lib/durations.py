from django.utils.translation import ngettext


def minutes(seconds: int) -> str:
    """Time on task for people: "less than a minute", "1 minute", "43 minutes", "1 h 05 min"."""
    whole = round(seconds / 60)
    if seconds and whole == 0:
        return ngettext("less than a minute", "less than a minute", 1)
    if whole < 60:
        return ngettext("%(n)d minute", "%(n)d minutes", whole) % {"n": whole}
    return f"{whole // 60} h {whole % 60:02d} min"
