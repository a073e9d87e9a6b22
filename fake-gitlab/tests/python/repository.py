"""python-gitlab against the fake: a repository tree with a symlink, an executable and a
submodule, followed to its end; raw bytes that are not UTF-8; an LFS pointer and its object.

Run by tests/python_behaviours.rs with FAKE_URL, FAKE_TOKEN, PROJECT, PER_PAGE, EXPECTED_TREE (JSON list of
[path, type, mode]), BINARY_HEX, LFS_POINTER and LFS_CONTENT set.
"""
import json
import os

import gitlab

gl = gitlab.Gitlab(os.environ["FAKE_URL"], private_token=os.environ["FAKE_TOKEN"])
project = gl.projects.get(os.environ["PROJECT"], lazy=True)

tree = project.repository_tree(ref="main", recursive=True, get_all=True, per_page=int(os.environ["PER_PAGE"]))
listed = [[e["path"], e["type"], e["mode"]] for e in tree]
assert listed == json.loads(os.environ["EXPECTED_TREE"]), listed

assert project.files.raw("binary.dat", ref="main") == bytes.fromhex(os.environ["BINARY_HEX"])
assert project.files.raw("link", ref="main") == b"README.md"
assert project.files.raw("big.bin", ref="main").decode() == os.environ["LFS_POINTER"]
assert project.files.raw("big.bin", ref="main", lfs=True).decode() == os.environ["LFS_CONTENT"]
try:
    project.files.raw("sub/inside.md", ref="main")
    raise AssertionError("a file inside a submodule was served")
except gitlab.exceptions.GitlabGetError as e:
    assert (e.response_code, e.error_message) == (404, "404 File Not Found"), (e.response_code, e.error_message)
print("ok")
