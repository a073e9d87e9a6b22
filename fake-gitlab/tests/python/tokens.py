"""python-gitlab against the fake: which tokens may read `GET /personal_access_tokens/self`, and
what a CI job token reaches.

Run by tests/python_behaviours.rs with FAKE_URL, PROJECT, OAUTH_TOKEN, PROJECT_TOKEN,
PROJECT_BOT_ID, JOB_TOKEN, OLD_URL (a fake answering as GitLab 15.0) and FAKE_TOKEN set.
"""
import os

import gitlab

URL = os.environ["FAKE_URL"]
PROJECT = os.environ["PROJECT"]

oauth = gitlab.Gitlab(URL, oauth_token=os.environ["OAUTH_TOKEN"])
oauth.auth()
try:
    oauth.personal_access_tokens.get("self")
    raise AssertionError("an OAuth token read itself as a personal access token")
except gitlab.exceptions.GitlabGetError as e:
    message = "400 Bad request - This endpoint requires token type to be a personal access token"
    assert (e.response_code, e.error_message) == (400, message), (e.response_code, e.error_message)

bot = gitlab.Gitlab(URL, private_token=os.environ["PROJECT_TOKEN"])
token = bot.personal_access_tokens.get("self")
assert token.user_id == int(os.environ["PROJECT_BOT_ID"]), token.user_id
assert token.scopes == ["api"], token.scopes

job = gitlab.Gitlab(URL, job_token=os.environ["JOB_TOKEN"])
issues = job.projects.get(PROJECT, lazy=True).issues.list(get_all=True)
assert [i.title for i in issues] == ["seen by the job"], issues
try:
    job.projects.get(PROJECT, lazy=True).issues.create({"title": "from the job"})
    raise AssertionError("a job token created an issue")
except gitlab.exceptions.GitlabAuthenticationError as e:
    assert e.response_code == 401, e.response_code

old = gitlab.Gitlab(os.environ["OLD_URL"], private_token=os.environ["FAKE_TOKEN"])
try:
    old.personal_access_tokens.get("self")
    raise AssertionError("GitLab 15.0 has no GET /personal_access_tokens/self")
except gitlab.exceptions.GitlabError as e:
    assert e.response_code == 405, e.response_code
print("ok")
