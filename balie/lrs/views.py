"""The Statement and About resources. (Being written: see the lrs helper's task.)"""

from django.http import HttpResponse


def about(request):  # replaced by the statements helper
    return HttpResponse(status=501)


def statements(request):  # replaced by the statements helper
    return HttpResponse(status=501)
