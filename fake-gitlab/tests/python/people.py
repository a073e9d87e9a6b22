"""python-gitlab against the fake: people's facts as GitLab records them.

A person's token acts as that person (author of the issues and notes they write, editor of the
boxes they tick, as system notes say); confidential issues are hidden from a Guest who is neither
author nor assignee; issue templates are listed and read; a person's issues are found by
assignee, author and a title search.

Run by tests/python_gitlab.rs with FAKE_URL, FAKE_TOKEN (the bot), ALICE_TOKEN, CAROL_TOKEN
and PROJECT set; exits non-zero on the first answer GitLab would not give.
"""
import os

import gitlab

url, project_path = os.environ["FAKE_URL"], os.environ["PROJECT"]
bot = gitlab.Gitlab(url, private_token=os.environ["FAKE_TOKEN"])
alice = gitlab.Gitlab(url, private_token=os.environ["ALICE_TOKEN"])
carol = gitlab.Gitlab(url, private_token=os.environ["CAROL_TOKEN"])
for gl in (bot, alice, carol):
    gl.auth()
assert alice.user.username == "alice", alice.user.username

# Alice opens an issue, ticks a box and comments: every fact names her.
mine = alice.projects.get(project_path, lazy=True)
issue = mine.issues.create(
    {"title": "Module: Git basics", "description": "- [ ] Read the guide <!-- id: read-guide -->\n- [ ] a = \"1\""}
)
assert issue.author["id"] == alice.user.id and issue.author["username"] == "alice", issue.author
issue.description = "- [x] Read the guide <!-- id: read-guide -->\n- [x] a = \"1\""
issue.save()
issue.notes.create({"body": "Done, both."})
notes = issue.notes.list(get_all=True, sort="asc")
facts = [(n.body, n.system, n.author["username"]) for n in notes]
assert facts == [
    ("marked the checklist item **Read the guide  id: read\\-guide** as completed", True, "alice"),
    ('marked the checklist item **a \\= \\"1\\"** as completed', True, "alice"),
    ("Done, both.", False, "alice"),
], facts
comments = issue.notes.list(get_all=True, activity_filter="only_comments")
assert [n.body for n in comments] == ["Done, both."], [n.body for n in comments]
assert mine.issues.get(issue.iid).user_notes_count == 1

# The bot unticks one: the note is the bot's.
as_bot = bot.projects.get(project_path).issues.get(issue.iid)
as_bot.description = "- [ ] Read the guide <!-- id: read-guide -->\n- [x] a = \"1\""
as_bot.save()
last = as_bot.notes.list(sort="desc", per_page=1, get_all=False)[0]
assert (last.body, last.system, last.author["username"]) == (
    "marked the checklist item **Read the guide  id: read\\-guide** as incomplete", True, "onboarding-bot"), last.body

# Confidential: the assignee sees it, a Guest who is neither author nor assignee does not.
project = bot.projects.get(project_path)
secret = project.issues.create({"title": "Secret", "confidential": True, "assignee_ids": [alice.user.id]})
assert secret.confidential is True
theirs = carol.projects.get(project_path, lazy=True)
try:
    theirs.issues.get(secret.iid)
    raise AssertionError("a Guest read a confidential issue")
except gitlab.exceptions.GitlabGetError as e:
    assert e.response_code == 404, e.response_code
assert secret.iid not in [i.iid for i in theirs.issues.list(get_all=True)]
assert mine.issues.get(secret.iid).title == "Secret"
assert [i.iid for i in project.issues.list(confidential=True, get_all=True)] == [secret.iid]
secret.confidential = False
secret.save()
assert [n.body for n in secret.notes.list(get_all=True)] == ["made the issue visible to everyone"]

# A person's module issues: by assignee, by author, by a title search.
assert [i.iid for i in project.issues.list(assignee_username="alice", get_all=True)] == [secret.iid]
assert [i.iid for i in project.issues.list(author_username="alice", get_all=True)] == [issue.iid]
# `in` is a Python keyword: python-gitlab sends `query_parameters` alone (pagination aside).
found = project.issues.list(query_parameters={"search": "git basics", "in": "title"}, get_all=True)
assert [i.iid for i in found] == [issue.iid], [i.title for i in found]
assert project.issues.list(query_parameters={"search": "guide", "in": "title"}, get_all=True) == []
assert [i.iid for i in project.issues.list(search="guide", get_all=True)] == [issue.iid]

# Issue templates.
names = [t.name for t in project.issue_templates.list(get_all=True)]
assert names == ["Module - Git basics", "Onboarding"], names
assert project.issue_templates.get("Module - Git basics").content == "- [ ] Read the guide\n"

print("ok", issue.iid, secret.iid)
