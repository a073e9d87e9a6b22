"""python-gitlab against the fake: who ticked a box on a confidential issue, as GitLab says.

A dashboard-shaped issue: confidential from its creation, its boxes ending in a hidden HTML
comment. Each box a description edit toggles writes one system note by whoever made the edit
(app/services/system_notes/issuables_service.rb, `change_task_status`): "marked the checklist item
**<text>** as completed", the text Markdown-escaped, the words inside the comment kept without
`<!--` and `-->`, emphasis dropped. A box written already ticked, or ticked in an edit that also
added a box above it (GitLab compares boxes by position, `Taskable.get_updated_tasks`), writes
none: only "changed the description". Confidentiality changes write their own notes
(`change_issue_confidentiality`).

Run by tests/python_gitlab.rs with FAKE_URL, FAKE_TOKEN (the bot), DANA_TOKEN, HIRE_TOKEN and
PROJECT set; exits non-zero on the first answer GitLab would not give.
"""
import os

import gitlab

url, project_path = os.environ["FAKE_URL"], os.environ["PROJECT"]
bot = gitlab.Gitlab(url, private_token=os.environ["FAKE_TOKEN"])
dana = gitlab.Gitlab(url, private_token=os.environ["DANA_TOKEN"])
hire = gitlab.Gitlab(url, private_token=os.environ["HIRE_TOKEN"])
for gl in (bot, dana, hire):
    gl.auth()

EXTEND = "- [ ] Extend the due date by 2 weeks <!-- cmd: extend support-learning-path:praman 0 -->"
STAGE = (
    "- [ ] Mark **Leading Customer-Facing Video Interactions** reached (the stage the calendar expects now) "
    "<!-- cmd: stage support-learning-path:praman 0 customer-facing-video -->"
)
board = bot.projects.get(project_path).issues.create(
    {
        "title": "Onboarding dashboard: Dana",
        "description": f"## Commands\n\n{EXTEND}\n{STAGE}\n",
        "confidential": True,
        "assignee_ids": [dana.user.id],
    }
)
assert board.confidential is True

# The hire ticks one box, the manager the other: each note names who did it.
as_hire = hire.projects.get(project_path, lazy=True).issues.get(board.iid)
as_hire.description = as_hire.description.replace("- [ ] Extend", "- [x] Extend")
as_hire.save()
as_dana = dana.projects.get(project_path, lazy=True).issues.get(board.iid)
as_dana.description = as_dana.description.replace("- [ ] Mark", "- [x] Mark")
as_dana.save()
notes = board.notes.list(get_all=True, sort="desc")
facts = [(n.body, n.system, n.author["username"]) for n in notes]
assert facts == [
    (
        "marked the checklist item **Mark Leading Customer\\-Facing Video Interactions reached \\(the stage the "
        "calendar expects now\\)  cmd: stage support\\-learning\\-path:praman 0 customer\\-facing\\-video** as completed",
        True,
        "dana",
    ),
    (
        "marked the checklist item **Extend the due date by 2 weeks  cmd: extend support\\-learning\\-path:praman 0** "
        "as completed",
        True,
        "hire",
    ),
], facts

# The newest note first, a page of one at a time: a reader can stop at the first page.
newest = board.notes.list(sort="desc", per_page=1, get_all=False)
assert [n.author["username"] for n in newest] == ["dana"], newest

# The bot unticks both: two notes by the bot.
fresh = bot.projects.get(project_path).issues.get(board.iid)
fresh.description = fresh.description.replace("- [x]", "- [ ]")
fresh.save()
last = board.notes.list(sort="desc", per_page=2, get_all=False)
assert [(n.author["username"], n.body.endswith("as incomplete")) for n in last] == [("onboarding-bot", True)] * 2

# Ticked in an edit that adds a box above it: positions shift, GitLab writes no task note.
as_hire = hire.projects.get(project_path, lazy=True).issues.get(board.iid)
as_hire.description = "- [ ] my own note\n\n" + as_hire.description.replace("- [ ] Extend", "- [x] Extend")
as_hire.save()
last = board.notes.list(sort="desc", per_page=1, get_all=False)[0]
assert (last.body, last.author["username"]) == ("changed the description", "hire"), last.body

# The manager makes it visible to everyone, and the bot confidential again: notes by each.
as_dana = dana.projects.get(project_path, lazy=True).issues.get(board.iid)
as_dana.confidential = False
as_dana.save()
again = bot.projects.get(project_path).issues.get(board.iid)
assert again.confidential is False
again.confidential = True
again.save()
last = board.notes.list(sort="desc", per_page=2, get_all=False)
assert [(n.body, n.author["username"]) for n in last] == [
    ("made the issue confidential", "onboarding-bot"),
    ("made the issue visible to everyone", "dana"),
], [(n.body, n.author["username"]) for n in last]
assert bot.projects.get(project_path).issues.get(board.iid).confidential is True

print("ok", board.iid)
