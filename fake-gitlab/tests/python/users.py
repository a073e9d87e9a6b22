"""python-gitlab against the fake: a user by id, and what an issue's assignees become when one id
sent is nobody GitLab can assign.

`GET /users/:id` answers any signed-in user for an active or a blocked user (with its `state`) and
404 for an id nobody has. `assignee_ids` naming an unknown or blocked user sets the others and
answers 201/200 without a word; when none is left the assignees stay as they were.

Run by tests/python_behaviours.rs with FAKE_URL, FAKE_TOKEN, PROJECT, ALICE_ID, GONE_ID (blocked)
and UNKNOWN_ID (nobody) set.
"""
import os

import gitlab

gl = gitlab.Gitlab(os.environ["FAKE_URL"], private_token=os.environ["FAKE_TOKEN"])
alice, gone, unknown = (int(os.environ[v]) for v in ("ALICE_ID", "GONE_ID", "UNKNOWN_ID"))

user = gl.users.get(alice)
assert (user.id, user.username, user.state) == (alice, "alice", "active"), user.attributes
blocked = gl.users.get(gone)
assert (blocked.username, blocked.state) == ("gone", "blocked"), blocked.attributes
try:
    gl.users.get(unknown)
    raise AssertionError("an unknown id was answered")
except gitlab.exceptions.GitlabGetError as e:
    assert e.response_code == 404 and "User Not Found" in str(e.error_message), (e.response_code, e.error_message)

project = gl.projects.get(os.environ["PROJECT"])
issue = project.issues.create({"title": "Onboarding", "assignee_ids": [unknown, alice, gone]})
assert [a["id"] for a in issue.assignees] == [alice], issue.assignees
issue.assignee_ids = [unknown]
issue.save()
assert [a["id"] for a in project.issues.get(issue.iid).assignees] == [alice], "nobody assignable: kept as it was"
print("ok", issue.iid)
