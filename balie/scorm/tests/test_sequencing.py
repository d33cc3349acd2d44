"""The pure parts: the activity tree read from a manifest, completion by the package's own
rules, and which items open (sequencing)."""

from __future__ import annotations

import io

from django.test import SimpleTestCase

from balie.scorm import completion, package, sequencing
from balie.scorm.tests import zips

MANIFEST_12 = """<?xml version="1.0"?>
<manifest identifier="m" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schemaversion>1.2</schemaversion></metadata>
  <organizations default="org"><organization identifier="org"><title>T</title>
    <item identifier="a" identifierref="r"><title>A</title></item>
    <item identifier="b" identifierref="r"><title>B</title>
      <adlcp:prerequisites type="aicc_script">a</adlcp:prerequisites>
      <adlcp:masteryscore>80</adlcp:masteryscore>
      <adlcp:datafromlms>level=2</adlcp:datafromlms></item>
  </organization></organizations>
  <resources><resource identifier="r" type="webcontent" adlcp:scormtype="sco" href="index.html">
    <file href="index.html"/></resource></resources>
</manifest>"""


def tree(data: bytes) -> list[dict]:
    return list(package.inspect(io.BytesIO(data)).activities)


def by_id(activities: list[dict]) -> dict[str, dict]:
    return {activity["id"]: activity for activity in activities}


class ActivityTreeTests(SimpleTestCase):
    def test_scorm_12_mastery_prerequisites_and_launch_data(self) -> None:
        found = by_id(tree(zips.build({"imsmanifest.xml": MANIFEST_12, "index.html": "x"})))
        self.assertIsNone(found["org"]["parent"])
        self.assertEqual(found["b"]["parent"], "org")
        self.assertEqual(found["b"]["mastery"], 80)
        self.assertEqual(found["b"]["prerequisites"], "a")
        self.assertEqual(found["b"]["data"], "level=2")
        self.assertIsNone(found["a"]["mastery"])

    def test_scorm_2004_controls_passing_score_and_rollup(self) -> None:
        found = by_id(tree(zips.with_post_test()))
        self.assertEqual(found["test"]["passing"], 0.8)
        self.assertEqual(found["test"]["objectives"][0]["id"], "pass")
        self.assertFalse(found["content"]["rollup"]["satisfied"])
        self.assertTrue(found["content"]["rollup"]["completion"])
        ordered = by_id(tree(zips.three_in_order()))["org"]["controls"]
        self.assertEqual(ordered, {"choice": False, "flow": True, "forwardOnly": False})

    def test_a_completion_threshold_of_the_3rd_and_4th_edition(self) -> None:
        third = "<adlcp:completionThreshold>0.75</adlcp:completionThreshold>"
        fourth = '<adlcp:completionThreshold completedByMeasure="true" minProgressMeasure="0.6"/>'
        off = '<adlcp:completionThreshold completedByMeasure="false" minProgressMeasure="0.6"/>'
        found = by_id(
            tree(zips.package_2004([("a", "A", third), ("b", "B", fourth), ("c", "C", off)]))
        )
        self.assertEqual([found[k]["threshold"] for k in "abc"], [0.75, 0.6, None])


def done(activities: list[dict], data: dict, *, is_2004: bool) -> bool:
    statuses = completion.rollup(activities, data, is_2004=is_2004)
    return completion.package_done(activities, statuses)


class CompletionTests(SimpleTestCase):
    def status(self, data: dict, activity: dict | None = None, *, is_2004=False):
        return completion.sco_status(data, activity or {}, is_2004=is_2004)

    def test_scorm_12_failed_is_not_done(self) -> None:
        self.assertTrue(self.status({"lesson_status": "passed"}).done)
        self.assertTrue(self.status({"lesson_status": "completed"}).done)
        failed = self.status({"lesson_status": "failed"})
        self.assertFalse(failed.done)
        self.assertTrue(failed.failed)
        self.assertFalse(self.status({"lesson_status": "incomplete"}).done)

    def test_scorm_12_the_mastery_score_decides(self) -> None:
        mastery = {"mastery": 80}
        low = {"lesson_status": "passed", "score": {"raw": 60}}
        self.assertTrue(self.status(low, mastery).failed)
        high = {"lesson_status": "completed", "score": {"raw": 85}}
        self.assertTrue(self.status(high, mastery).done)
        self.assertTrue(self.status({"lesson_status": "completed"}, mastery).failed)

    def test_scorm_2004_threshold_and_passing_score(self) -> None:
        activity = {"threshold": 0.8, "passing": 0.7}
        data = {
            "completion_status": "incomplete",
            "progress_measure": 0.9,
            "score": {"scaled": 0.75},
        }
        self.assertTrue(self.status(data, activity, is_2004=True).done)
        data = {"completion_status": "completed", "progress_measure": 0.5}
        self.assertFalse(self.status(data, activity, is_2004=True).done)
        data = {
            "completion_status": "completed",
            "success_status": "passed",
            "score": {"scaled": 0.5},
        }
        self.assertTrue(self.status(data, activity, is_2004=True).failed)

    def test_passed_without_completion_counts_as_completed(self) -> None:
        self.assertTrue(self.status({"success_status": "passed"}, is_2004=True).done)

    def test_completed_with_a_failed_test_is_not_done(self) -> None:
        activities = tree(zips.package_2004([("a", "A", ""), ("b", "B", "")]))
        data = {
            "a": {"completion_status": "completed"},
            "b": {"completion_status": "completed", "success_status": "failed"},
        }
        self.assertFalse(done(activities, data, is_2004=True))
        data["b"]["success_status"] = "passed"
        self.assertTrue(done(activities, data, is_2004=True))

    def test_the_post_test_decides_and_the_content_must_be_completed(self) -> None:
        activities = tree(zips.with_post_test())
        content = {"completion_status": "completed", "success_status": "failed"}
        test = {"completion_status": "completed", "score": {"scaled": 0.9}}
        self.assertTrue(done(activities, {"content": content, "test": test}, is_2004=True))
        self.assertFalse(done(activities, {"test": test}, is_2004=True))
        failed = {"completion_status": "completed", "score": {"scaled": 0.5}}
        self.assertFalse(done(activities, {"content": content, "test": failed}, is_2004=True))

    def test_a_rollup_rule_satisfied_by_any_child(self) -> None:
        rule = (
            '<imsss:rollupRules><imsss:rollupRule childActivitySet="any">'
            '<imsss:rollupConditions><imsss:rollupCondition condition="satisfied"/>'
            '</imsss:rollupConditions><imsss:rollupAction action="satisfied"/>'
            "</imsss:rollupRule></imsss:rollupRules>"
        )
        activities = tree(
            zips.package_2004([("pre", "Voortoets", ""), ("post", "Toets", "")], sequencing=rule)
        )
        data = {
            "pre": {"completion_status": "completed", "success_status": "failed"},
            "post": {"completion_status": "completed", "success_status": "passed"},
        }
        self.assertTrue(done(activities, data, is_2004=True))


class SequencingTests(SimpleTestCase):
    def plan(self, activities, data, current="", *, is_2004=True):
        statuses = completion.rollup(activities, data, is_2004=is_2004)
        return sequencing.plan(activities, statuses, data, current=current)

    def test_forced_order_opens_a_part_once_the_one_before_is_done(self) -> None:
        activities = tree(zips.three_in_order())
        plan = self.plan(activities, {})
        self.assertEqual([i.available for i in plan.items], [True, False, False])
        self.assertEqual(plan.items[1].reason, sequencing.ORDER)
        self.assertEqual(plan.items[1].reason_title, "Deel een")
        self.assertFalse(plan.next.available)
        plan = self.plan(activities, {"one": {"completion_status": "completed"}}, "one")
        self.assertEqual([i.available for i in plan.items], [True, True, False])
        self.assertTrue(plan.next.available)
        self.assertEqual(plan.items[2].reason_title, "Deel twee")

    def test_free_choice_opens_everything(self) -> None:
        activities = tree(zips.package_2004([("a", "A", ""), ("b", "B", "")]))
        plan = self.plan(activities, {})
        self.assertTrue(all(i.available for i in plan.items))
        self.assertIsNone(plan.previous)
        self.assertEqual(plan.next.id, "b")

    def test_forward_only_closes_what_is_behind(self) -> None:
        activities = tree(
            zips.package_2004(
                [("a", "A", ""), ("b", "B", "")],
                sequencing='<imsss:controlMode choice="true" flow="true" forwardOnly="true"/>',
            )
        )
        plan = self.plan(activities, {"b": {}}, "b")
        self.assertEqual(plan.items[0].reason, sequencing.FORWARD_ONLY)
        self.assertFalse(plan.previous.available)

    def test_a_passed_pre_test_skips_the_content(self) -> None:
        pre = (
            '<imsss:sequencing><imsss:objectives><imsss:primaryObjective objectiveID="p">'
            '<imsss:mapInfo targetObjectiveID="known" writeSatisfiedStatus="true"/>'
            "</imsss:primaryObjective></imsss:objectives></imsss:sequencing>"
        )
        content = (
            "<imsss:sequencing><imsss:sequencingRules><imsss:preConditionRule>"
            '<imsss:ruleConditions><imsss:ruleCondition referencedObjective="k" '
            'condition="satisfied"/></imsss:ruleConditions><imsss:ruleAction action="skip"/>'
            "</imsss:preConditionRule></imsss:sequencingRules><imsss:objectives>"
            '<imsss:primaryObjective objectiveID="c"/><imsss:objective objectiveID="k">'
            '<imsss:mapInfo targetObjectiveID="known"/></imsss:objective></imsss:objectives>'
            "</imsss:sequencing>"
        )
        activities = tree(
            zips.package_2004(
                [("pre", "Voortoets", pre), ("content", "Uitleg", content), ("post", "Toets", "")]
            )
        )
        passed = {"pre": {"completion_status": "completed", "success_status": "passed"}}
        plan = self.plan(activities, passed, "pre")
        self.assertTrue(plan.get("content").skipped)
        self.assertEqual(plan.next.id, "post")
        failed = {"pre": {"completion_status": "completed", "success_status": "failed"}}
        self.assertEqual(self.plan(activities, failed, "pre").next.id, "content")

    def test_scorm_12_prerequisites(self) -> None:
        done = {"a": True, "b": False, "c": True}
        self.assertTrue(sequencing.prerequisites_met("a & c", done))
        self.assertFalse(sequencing.prerequisites_met("a & b", done))
        self.assertTrue(sequencing.prerequisites_met("b | (a & ~b)", done))
        self.assertTrue(sequencing.prerequisites_met("2*{a,b,c}", done))
        self.assertFalse(sequencing.prerequisites_met("3*{a,b,c}", done))
        self.assertTrue(sequencing.prerequisites_met("a & (", done))  # unreadable: holds
        activities = tree(zips.build({"imsmanifest.xml": MANIFEST_12, "index.html": "x"}))
        plan = self.plan(activities, {}, is_2004=False)
        self.assertEqual(plan.get("b").reason, sequencing.PREREQUISITES)
        plan = self.plan(activities, {"a": {"lesson_status": "completed"}}, is_2004=False)
        self.assertTrue(plan.get("b").available)
