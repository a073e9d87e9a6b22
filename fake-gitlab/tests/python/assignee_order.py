"""python-gitlab against the fake: an issue's assignees come back in user id order whatever order
`assignee_ids` was sent in (Options::assignee_order = ById), on create, read, list and update.

Run by tests/python_behaviours.rs with FAKE_URL, FAKE_TOKEN, PROJECT, LOW_ID and HIGH_ID set
(LOW_ID < HIGH_ID).
"""
import os

import gitlab

gl = gitlab.Gitlab(os.environ["FAKE_URL"], private_token=os.environ["FAKE_TOKEN"])
project = gl.projects.get(os.environ["PROJECT"])
low, high = int(os.environ["LOW_ID"]), int(os.environ["HIGH_ID"])


def ids(issue):
    return [a["id"] for a in issue.assignees]


issue = project.issues.create({"title": "Two assignees", "assignee_ids": [high, low]})
assert ids(issue) == [low, high], ids(issue)
assert issue.assignee["id"] == low, issue.assignee
assert ids(project.issues.get(issue.iid)) == [low, high]
listed = [i for i in project.issues.list(iterator=True) if i.iid == issue.iid]
assert ids(listed[0]) == [low, high], ids(listed[0])
issue.description = "edited"
issue.save()
assert ids(issue) == [low, high], ids(issue)
print("ok", issue.iid)
