"""python-gitlab against the fake: `permissions` of a project, as `GET /projects/:id` reports them.

Run by tests/python_behaviours.rs with FAKE_URL, FAKE_TOKEN, PROJECT and EXPECTED (the JSON the
`permissions` attribute must equal) set.
"""
import json
import os

import gitlab

gl = gitlab.Gitlab(os.environ["FAKE_URL"], private_token=os.environ["FAKE_TOKEN"])
project = gl.projects.get(os.environ["PROJECT"])
expected = json.loads(os.environ["EXPECTED"])
assert project.permissions == expected, project.permissions
print("ok", json.dumps(project.permissions, sort_keys=True))
