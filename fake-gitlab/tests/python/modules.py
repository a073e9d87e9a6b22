"""python-gitlab against the fake: a person's training-module issues, found as onboarder finds them.

One listing per person: the project's issues assigned to them (by id, or by username), open and
closed (`state=all`), without onboarder's own (`not[labels]`), the most recently updated first,
100 to a page; the next-page header says when there is more. The module templates are listed.

Run by tests/python_gitlab.rs with FAKE_URL, FAKE_TOKEN (the bot), PROJECT, BOB_ID, and the iids
CLOSED, OPEN, OTHERS, OURS set; exits non-zero on the first answer GitLab would not give.
"""
import os

import gitlab

gl = gitlab.Gitlab(os.environ["FAKE_URL"], private_token=os.environ["FAKE_TOKEN"])
gl.auth()
project = gl.projects.get(os.environ["PROJECT"])
bob = int(os.environ["BOB_ID"])
closed, opened, others, ours = (int(os.environ[k]) for k in ("CLOSED", "OPEN", "OTHERS", "OURS"))

# Every parameter in `query_parameters`: python-gitlab then sends those alone (pagination aside).
query = {"assignee_id": bob, "state": "all", "not[labels]": "onboarder", "order_by": "updated_at",
         "sort": "desc", "issue_type": "issue"}
found = project.issues.list(query_parameters=query, per_page=100, get_all=False)
# The open one was updated last (the closed one is older), so it comes first.
assert [i.iid for i in found] == [opened, closed], [(i.iid, i.title) for i in found]
by_iid = {i.iid: i for i in found}
assert by_iid[closed].state == "closed" and by_iid[closed].closed_at, by_iid[closed].state
# `closed_by` is also a method of python-gitlab's issues: read the attribute itself.
assert by_iid[closed].attributes["closed_by"]["id"] == bob, by_iid[closed].attributes["closed_by"]
assert by_iid[opened].state == "opened" and by_iid[opened].closed_at is None
for i in found:
    assert i.author["id"] == bob and [a["id"] for a in i.assignees] == [bob], (i.author, i.assignees)

# By username: the same issues (GitLab takes one or the other, never both).
query_by_name = dict(query, assignee_username="bob")
del query_by_name["assignee_id"]
assert [i.iid for i in project.issues.list(query_parameters=query_by_name, per_page=100, get_all=False)] == [opened, closed]
try:
    project.issues.list(query_parameters=dict(query, assignee_username="bob"), get_all=False)
    raise AssertionError("assignee_id and assignee_username together were accepted")
except gitlab.exceptions.GitlabListError as e:
    assert e.response_code == 400, e.response_code

# Without `not[labels]`, onboarder's own issue assigned to bob is listed too; nobody else's ever.
everything = [i.iid for i in project.issues.list(assignee_id=bob, state="all", get_all=True)]
assert sorted(everything) == sorted([closed, opened, ours]), everything
assert others not in everything

# One page of one: the next page is announced, as a person with more than a page of issues shows.
first = project.issues.list(query_parameters=query, per_page=1, iterator=True)
assert first.next_page == 2 and first.total_pages == 2, (first.next_page, first.total_pages)

# The module templates onboarder holds the names against.
names = [t.name for t in project.issue_templates.list(get_all=True)]
assert names == ["GitLab Omnibus", "Subscriptions License and Renewals"], names

print("ok")
