from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from balie.scorm.models import Package
from balie.scorm.package import MANIFEST, PackageError, read_activities


class Command(BaseCommand):
    help = (
        "Read the activity tree (mastery, thresholds, objectives, sequencing) from the "
        "manifest of every package imported before Balie kept it. Safe to run more than once."
    )

    def handle(self, *args, **options) -> None:
        read = 0
        for package in Package.objects.filter(activities=[]).iterator():
            path = Path(settings.MEDIA_ROOT) / package.folder / MANIFEST
            try:
                activities = read_activities(path.read_bytes())
            except (OSError, PackageError) as error:
                self.stderr.write(f"{package.pk} {package.title}: {error}")
                continue
            Package.objects.filter(pk=package.pk).update(activities=list(activities))
            read += 1
        self.stdout.write(self.style.SUCCESS(f"{read} manifests read."))
