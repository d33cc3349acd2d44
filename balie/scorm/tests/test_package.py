"""package.py on the public sample packages and on hostile zips and manifests."""

from __future__ import annotations

import io
import shutil
import tempfile
import warnings
import zipfile
from pathlib import Path

from django.test import SimpleTestCase

from balie.scorm.package import Limits, PackageError, extract, inspect
from balie.scorm.tests import zips


class FixtureTests(SimpleTestCase):
    def test_scorm_12_runtime_sample(self) -> None:
        package = inspect(io.BytesIO(zips.fixture("RuntimeBasicCalls_SCORM12.zip")))
        self.assertEqual((package.version, package.edition), ("1.2", "1.2"))
        self.assertEqual(package.title, "Golf Explained - Run-time Basic Calls")
        self.assertEqual(package.launch, "shared/launchpage.html")
        self.assertEqual([item.title for item in package.items], ["Golf Explained"])
        self.assertEqual(package.file_count, 44)

    def test_scorm_2004_3rd_edition_sample(self) -> None:
        package = inspect(io.BytesIO(zips.fixture("RuntimeBasicCalls_SCORM20043rdEdition.zip")))
        self.assertEqual((package.version, package.edition), ("2004", "2004 3rd Edition"))
        self.assertEqual(package.launch, "shared/launchpage.html")

    def test_scorm_2004_2nd_edition_sample(self) -> None:
        package = inspect(
            io.BytesIO(zips.fixture("ContentPackagingSingleSCO_SCORM20042ndEdition.zip"))
        )
        self.assertEqual((package.version, package.edition), ("2004", "2004 2nd Edition"))
        self.assertEqual(package.title, "Golf Explained - CP Single SCO")

    def test_a_package_of_plain_pages_keeps_every_item(self) -> None:
        # Its 18 items are all `scormtype="asset"`: each launchable, none reports back.
        package = inspect(io.BytesIO(zips.fixture("ContentPackagingOneFilePerSCO_SCORM12.zip")))
        self.assertGreaterEqual(len(package.items), 18)
        self.assertFalse(any(item.is_sco for item in package.items))
        self.assertEqual(package.launch, "Playing/Playing.html")
        self.assertEqual(
            [(item.title, item.launch) for item in package.items[:2]],
            [("How to Play", "Playing/Playing.html"), ("Par", "Playing/Par.html")],
        )

    def test_malformed_xml_is_refused_with_its_line(self) -> None:
        with self.assertRaisesMessage(PackageError, "not valid XML (line 27)"):
            inspect(io.BytesIO(zips.fixture("MalformedXml_SCORM12.zip")))

    def test_a_sco_without_launch_address_is_refused(self) -> None:
        with self.assertRaisesMessage(PackageError, "'resource_1' in the manifest has no launch"):
            inspect(io.BytesIO(zips.fixture("MissingLaunchUrl_SCORM12.zip")))

    def test_files_missing_from_the_zip_are_named(self) -> None:
        with self.assertRaises(PackageError) as caught:
            inspect(io.BytesIO(zips.fixture("InvalidFileReferences_SCORM12.zip")))
        self.assertEqual(
            caught.exception.params["files"],
            "content/nonexistent.html, content/nonexistent.js, content/nonexistent.css, "
            "content/nonexistent_asset.html",
        )


class ManifestTests(SimpleTestCase):
    def refused(self, data: bytes, message: str) -> None:
        with self.assertRaisesMessage(PackageError, message):
            inspect(io.BytesIO(data))

    def test_item_parameters_are_added_to_the_launch_address(self) -> None:
        data = zips.build(
            {
                "imsmanifest.xml": zips.manifest(parameters="?questions=Playing"),
                "index.html": zips.PAGE,
            }
        )
        self.assertEqual(inspect(io.BytesIO(data)).launch, "index.html?questions=Playing")

    def test_external_entities_are_refused(self) -> None:
        xxe = (
            '<?xml version="1.0"?><!DOCTYPE manifest [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            "<manifest><metadata><schemaversion>&x;</schemaversion></metadata></manifest>"
        )
        self.refused(zips.package(**{"imsmanifest.xml": xxe}), "DTD, entities or external")

    def test_billion_laughs_is_refused(self) -> None:
        laughs = (
            '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
            '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
            "<manifest><title>&lol3;</title></manifest>"
        )
        self.refused(zips.package(**{"imsmanifest.xml": laughs}), "DTD, entities or external")

    def test_a_manifest_with_a_dtd_is_refused(self) -> None:
        with_dtd = zips.manifest().replace(
            '<?xml version="1.0"?>', '<?xml version="1.0"?><!DOCTYPE manifest SYSTEM "x.dtd">'
        )
        self.refused(zips.package(**{"imsmanifest.xml": with_dtd}), "DTD, entities or external")

    def test_a_launch_address_outside_the_package_is_refused(self) -> None:
        for href in ("https://evil.example/x.html", "javascript:alert(1)", "../x.html", "/x.html"):
            with self.subTest(href=href):
                data = zips.package(**{"imsmanifest.xml": zips.manifest(href=href)})
                self.assertRaises(PackageError, inspect, io.BytesIO(data))

    def test_an_unknown_scorm_version_is_refused(self) -> None:
        plain = "<manifest><organizations/><resources/></manifest>"
        self.refused(zips.package(**{"imsmanifest.xml": plain}), "SCORM 1.2 or SCORM 2004")

    def test_the_manifest_must_be_at_the_top(self) -> None:
        data = zips.build({"course/imsmanifest.xml": zips.manifest(), "course/index.html": "x"})
        self.refused(data, "no imsmanifest.xml at the top")


class ZipTests(SimpleTestCase):
    def refused(self, data: bytes, message: str, limits: Limits | None = None) -> None:
        with self.assertRaisesMessage(PackageError, message):
            inspect(io.BytesIO(data), limits or Limits())

    def test_a_file_that_is_not_a_zip(self) -> None:
        self.refused(b"%PDF-1.7 not a zip", "not a zip file")

    def test_a_truncated_zip(self) -> None:
        self.refused(zips.package()[:-30], "not a zip file")

    def test_zip_slip_names(self) -> None:
        cases = {
            "../evil.html": "a path with ..",
            "shared/../../evil.html": "a path with ..",
            "/etc/evil": "an absolute path",
            "C:/evil.html": "an absolute path",
            "shared\\..\\evil.html": "a backslash",
            "evil\x01.html": "a control character",
        }
        for name, reason in cases.items():
            with self.subTest(name=name):
                self.refused(zips.package(**{name: "x"}), reason)

    def test_a_symlink(self) -> None:
        data = zips.build(
            {"imsmanifest.xml": zips.manifest(), "index.html": zips.PAGE},
            symlinks={"shared/passwd": "/etc/passwd"},
        )
        self.refused(data, "symbolic link")

    def test_too_many_files(self) -> None:
        files = {f"page{n}.html": "x" for n in range(10)}
        self.refused(zips.package(**files), "more than 5 files", Limits(files=5))

    def test_too_large_in_total(self) -> None:
        data = zips.package(**{"a.bin": b"a" * 600_000, "b.bin": b"b" * 600_000})
        self.refused(data, "larger than 1 MB when unpacked", Limits(total_bytes=2**20))

    def test_one_file_too_large(self) -> None:
        data = zips.package(**{"video.mp4": b"v" * (2**20 + 1)})
        self.refused(data, "'video.mp4' is larger than 1 MB", Limits(file_bytes=2**20))

    def test_a_suspicious_compression_ratio(self) -> None:
        self.refused(zips.package(**{"zeros.bin": b"\0" * 5 * 2**20}), "suspiciously well")

    def test_the_same_name_twice(self) -> None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("imsmanifest.xml", zips.manifest())
            archive.writestr("index.html", zips.PAGE)
            with warnings.catch_warnings(action="ignore"):  # "Duplicate name", as intended
                archive.writestr("index.html", b"<script>evil()</script>")
        self.refused(buffer.getvalue(), "'index.html' twice")


class ExtractTests(SimpleTestCase):
    def setUp(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="balie-scorm-"))
        self.folder = self.root / "package"

    def tearDown(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def test_it_unpacks_into_a_new_folder(self) -> None:
        data = zips.fixture("RuntimeBasicCalls_SCORM12.zip")
        package = extract(io.BytesIO(data), self.folder)
        self.assertTrue((self.folder / "shared" / "launchpage.html").is_file())
        self.assertEqual(sum(1 for p in self.folder.rglob("*") if p.is_file()), 44)
        self.assertEqual(package.launch, "shared/launchpage.html")

    def test_it_never_writes_into_an_existing_folder(self) -> None:
        self.folder.mkdir()
        (self.folder / "keep.txt").write_text("mine")
        with self.assertRaises(FileExistsError):
            extract(io.BytesIO(zips.package()), self.folder)
        self.assertEqual((self.folder / "keep.txt").read_text(), "mine")

    def test_a_lying_size_in_the_zip_is_caught_and_nothing_stays(self) -> None:
        data = zips.lying_bomb(real_bytes=3 * 2**20, claimed_bytes=1000)
        with self.assertRaisesMessage(PackageError, "'index.html'"):
            extract(io.BytesIO(data), self.folder)
        self.assertFalse(self.folder.exists())

    def test_a_refused_package_leaves_nothing(self) -> None:
        with self.assertRaises(PackageError):
            extract(io.BytesIO(zips.package(**{"../evil.html": "x"})), self.folder)
        self.assertEqual(list(self.root.iterdir()), [])

    def test_a_name_used_as_file_and_folder(self) -> None:
        data = zips.package(**{"shared": "a file", "shared/page.html": "x"})
        with self.assertRaisesMessage(PackageError, "both as a file and as a folder"):
            extract(io.BytesIO(data), self.folder)
        self.assertFalse(self.folder.exists())
