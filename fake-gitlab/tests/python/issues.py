"""python-gitlab against the fake: issues, notes, users and projects as onboarder uses them.

Run by tests/python_gitlab.rs with FAKE_URL, FAKE_TOKEN and PROJECT set; exits non-zero on the
first answer GitLab would not give.
"""
import os

import gitlab

gl = gitlab.Gitlab(os.environ["FAKE_URL"], private_token=os.environ["FAKE_TOKEN"])
gl.auth()
assert gl.user.username == "onboarding-bot", gl.user.username

project = gl.projects.get(os.environ["PROJECT"])
assert project.path_with_namespace == os.environ["PROJECT"], project.path_with_namespace

# Create with labels and an assignee, as onboarder does.
me = gl.user.id
issue = project.issues.create(
    {"title": "From python-gitlab", "description": "Intro\n\n- [ ] step", "labels": "managed,onboarding",
     "assignee_ids": [me], "due_date": "2026-12-31"}
)
assert issue.state == "opened"
assert sorted(issue.labels) == ["managed", "onboarding"], issue.labels
assert [a["id"] for a in issue.assignees] == [me], issue.assignees
assert issue.due_date == "2026-12-31", issue.due_date
assert issue.author["id"] == me, issue.author

# Paged listing with a label and a state, every page followed.
listed = project.issues.list(labels=["managed"], state="opened", get_all=True, per_page=100)
assert len(listed) == int(os.environ["EXPECT_MANAGED_OPEN"]) + 1, len(listed)

# Edit: add and remove labels, change the description.
issue.add_labels = "extra"
issue.remove_labels = "onboarding"
issue.description = "Intro\n\n- [x] step"
issue.save()
fresh = project.issues.get(issue.iid)
assert sorted(fresh.labels) == ["extra", "managed"], fresh.labels
assert fresh.description == "Intro\n\n- [x] step"

# Notes: post one, read them back with their author.
fresh.notes.create({"body": "Hello from python-gitlab"})
notes = fresh.notes.list(get_all=True)
assert [n.body for n in notes if not n.system] == ["Hello from python-gitlab"], [n.body for n in notes]
assert all(n.author["id"] == me for n in notes if not n.system)

# Users by username.
found = gl.users.list(username="onboarding-bot")
assert [u.id for u in found] == [me], found

print("ok", issue.iid)
