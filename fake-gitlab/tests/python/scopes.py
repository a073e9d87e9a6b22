"""python-gitlab against the fake: token scopes per endpoint and the 403 insufficient_scope body.

Run by tests/python_behaviours.rs with FAKE_URL, PROJECT, READ_REPOSITORY_TOKEN, READ_API_TOKEN
and READ_USER_TOKEN set; exits non-zero on the first answer GitLab would not give.
"""
import json
import os

import gitlab

URL = os.environ["FAKE_URL"]
PROJECT = os.environ["PROJECT"]
DESCRIPTION = "The request requires higher privileges than provided by the access token."


def refused(call, scope):
    """`call` must fail with GitLab's 403 insufficient_scope naming `scope`."""
    try:
        call()
    except gitlab.exceptions.GitlabError as e:
        assert e.response_code == 403, (e.response_code, e.response_body)
        body = json.loads(e.response_body)
        expected = {"error": "insufficient_scope", "error_description": DESCRIPTION, "scope": scope}
        assert body == expected, body
        return
    raise AssertionError(f"not refused, expected scope {scope!r}")


# read_repository: raw files only; not the current user, not the tree, not the project.
repo = gitlab.Gitlab(URL, private_token=os.environ["READ_REPOSITORY_TOKEN"])
refused(repo.auth, "read_user api read_api")
lazy = repo.projects.get(PROJECT, lazy=True)
assert lazy.files.raw("team.yaml", ref="main") == b"people: []\n"
refused(lambda: lazy.repository_tree(get_all=True), "api read_api")
refused(lambda: repo.projects.get(PROJECT), "mcp mcp mcp ai_workflows api read_api")
assert repo.personal_access_tokens.get("self").scopes == ["read_repository"]

# read_api: every read, no write.
reader = gitlab.Gitlab(URL, private_token=os.environ["READ_API_TOKEN"])
reader.auth()
project = reader.projects.get(PROJECT)
assert [i.title for i in project.issues.list(get_all=True)] == ["existing"]
assert [e["path"] for e in project.repository_tree(get_all=True)] == ["team.yaml"]
refused(lambda: project.issues.create({"title": "nope"}), "ai_workflows mcp mcp api read_api")
refused(lambda: project.labels.create({"name": "nope", "color": "#ff0000"}), "ai_workflows api read_api")
issue = project.issues.get(1)
refused(lambda: issue.notes.create({"body": "nope"}), "ai_workflows api read_api")

# read_user: the current user, nothing of the project.
profile = gitlab.Gitlab(URL, private_token=os.environ["READ_USER_TOKEN"])
profile.auth()
assert profile.user.username == "onboarding-bot", profile.user.username
refused(lambda: profile.projects.get(PROJECT), "mcp mcp mcp ai_workflows api read_api")

print("ok")
