"""The About resource: open to anyone, with the versions this LRS speaks."""

from django.test import TestCase


class AboutTests(TestCase):
    def test_about_needs_no_credentials_nor_version_header(self):
        response = self.client.get("/xapi/about")
        self.assertEqual(response.status_code, 200)
        self.assertIn("1.0.3", response.json()["version"])
        self.assertEqual(response["X-Experience-API-Version"], "1.0.3")

    def test_about_is_read_only(self):
        response = self.client.post("/xapi/about", {})
        self.assertEqual(response.status_code, 405)
