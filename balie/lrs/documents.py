"""The document resources. (Being written: see the documents helper's task.)"""

from django.http import HttpResponse


def _todo(request):
    return HttpResponse(status=501)


activities = agents = state = activity_profile = agent_profile = _todo
