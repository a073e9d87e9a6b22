"""python-gitlab against the fake: an issue create and update that the spam check stops with a
409 asking for a CAPTCHA.

Run by tests/python_behaviours.rs with FAKE_URL, FAKE_TOKEN, PROJECT, SPAM_TEXT and SITE_KEY set.
"""
import json
import os

import gitlab

gl = gitlab.Gitlab(os.environ["FAKE_URL"], private_token=os.environ["FAKE_TOKEN"])
project = gl.projects.get(os.environ["PROJECT"])
spam = os.environ["SPAM_TEXT"]
expected_error = "Your issue has been recognized as spam. Please, change the content or solve the reCAPTCHA to proceed."


def needs_captcha(e):
    assert e.response_code == 409, (e.response_code, e.response_body)
    body = json.loads(e.response_body)
    assert body["needs_captcha_response"] is True, body
    assert isinstance(body["spam_log_id"], int), body
    assert body["captcha_site_key"] == os.environ["SITE_KEY"], body
    assert e.error_message == {"error": expected_error}, e.error_message
    return body["spam_log_id"]


try:
    project.issues.create({"title": "Hello", "description": f"visit {spam}"})
    raise AssertionError("spam was created")
except gitlab.exceptions.GitlabCreateError as e:
    first = needs_captcha(e)

issue = project.issues.create({"title": "Hello", "description": "fine"})
issue.description = f"now {spam}"
try:
    issue.save()
    raise AssertionError("spam was saved")
except gitlab.exceptions.GitlabUpdateError as e:
    assert needs_captcha(e) == first + 1
print("ok", issue.iid)
