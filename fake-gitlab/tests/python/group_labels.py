"""python-gitlab against the fake: a group label seen through a project, and a lost create race.

Run by tests/python_behaviours.rs with FAKE_URL, FAKE_TOKEN, PROJECT, GROUP_LABEL,
GROUP_LABEL_ID and RACE_LABEL set (the fake is primed so that the first label create the script
sends loses a race for RACE_LABEL).
"""
import os

import gitlab

gl = gitlab.Gitlab(os.environ["FAKE_URL"], private_token=os.environ["FAKE_TOKEN"])
project = gl.projects.get(os.environ["PROJECT"])
group_label = os.environ["GROUP_LABEL"]

# The race: this create is the second of two; the first one's label stands.
race = os.environ["RACE_LABEL"]
try:
    project.labels.create({"name": race, "color": "#dc143c", "description": "held by python"})
    raise AssertionError("the lost race was answered as a success")
except gitlab.exceptions.GitlabCreateError as e:
    assert e.response_code == 500, (e.response_code, e.response_body)
    assert e.error_message == "500 Internal Server Error", e.error_message
assert project.labels.get(race).description == "held by the other run"

try:
    project.labels.create({"name": group_label, "color": "#009966"})
    raise AssertionError("a project label shadowed a group label")
except gitlab.exceptions.GitlabCreateError as e:
    assert (e.response_code, e.error_message) == (409, "Label already exists"), (e.response_code, e.error_message)

label = project.labels.get(group_label)
assert label.is_project_label is False, label.is_project_label
assert label.id == int(os.environ["GROUP_LABEL_ID"]), label.id

try:
    project.labels.delete(group_label)
    raise AssertionError("a group label was deleted through a project")
except gitlab.exceptions.GitlabDeleteError as e:
    assert (e.response_code, e.error_message) == (404, "404 Label Not Found"), (e.response_code, e.error_message)

own = project.labels.create({"name": "python-own", "color": "#ff0000"})
assert own.is_project_label is True
own.description = "renewed"
own.save()
assert project.labels.get("python-own").description == "renewed"
listed = [(l.name, l.is_project_label) for l in project.labels.list(get_all=True)]
assert listed == [(group_label, False), ("python-own", True), (race, True)], listed
print("ok")
