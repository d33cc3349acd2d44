from django.core.management.base import BaseCommand

from balie.demo.scorm import load_scorm_demo


class Command(BaseCommand):
    help = "Add the SCORM example module to the demo programme. Safe to run more than once."

    def handle(self, *args, **options) -> None:
        load_scorm_demo()
        self.stdout.write(self.style.SUCCESS("SCORM demo loaded."))
