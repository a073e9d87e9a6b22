"""Split each YAML file into one file per document, for a validator that reads only the first.

A GitLab CI file with `spec:` is two documents (the header, then the jobs), and each must be
valid on its own. Usage: split_yaml_documents.py OUT_DIR FILE...; prints the files written.
"""
import pathlib
import re
import sys

out = pathlib.Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
for name in sys.argv[2:]:
    text = pathlib.Path(name).read_text(encoding="utf-8")
    # A document separator is a line that is exactly `---` (trailing blanks allowed).
    documents = re.split(r"(?m)^---[ \t]*$\n?", text)
    documents = [d for d in documents if re.search(r"(?m)^[^#\s]", d)]
    if not documents:
        sys.exit(f"{name}: no YAML document")
    for i, document in enumerate(documents, start=1):
        target = out / (name.replace("/", "__") + f".document-{i}-of-{len(documents)}.yml")
        target.write_text(document, encoding="utf-8")
        print(target)
