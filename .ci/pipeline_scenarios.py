"""The roster repository's pipeline, run as GitLab runs it, against the fake GitLab binary.

A temporary roster repository (this checkout's example roster, config and templates) gets
`tests/pipeline/gitlab-ci.yml` as its `.gitlab-ci.yml`: the include of the CI/CD
component, with inputs, as docs/gitlab-ci.md shows it. gitlab-ci-local, a GitLab CI interpreter, expands it (the component is this
checkout's `templates/onboarder.yml`, served from gitlab-ci-local's include cache), evaluates the
rules for each pipeline source and runs the chosen jobs in shell mode: the job's `image:` is
ignored and `onboarder` is the binary `cargo test` built, on PATH. The repository's git remote is
the fake, so CI_SERVER_URL (which onboarder uses when GITLAB_URL is unset, as in a real pipeline)
points at it. Each scenario asserts the pipeline's status, which job ran and how it exited, what
it printed, the requests the fake answered (from its `--request-log`) and the issues it holds.
Every assertion holds on any date: counts are read from the run, never written down.

Usage: pipeline_scenarios.py --gitlab-ci-local BIN --bin-dir DIR --work DIR (see pipeline-scenarios.sh).
"""
import argparse
import json
import re
import shutil
import signal
import subprocess
import sys
import time
import tomllib
import urllib.parse
import urllib.request
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
TOKEN = "pipeline-scenarios-token"
# The masked, protected CI/CD variable a sync needs (docs/threat-model.md).
KEY = "pipeline-scenarios-state-key-0123456789abcdef"
# What a protected branch's pipeline sees.
PROTECTED = {"GITLAB_TOKEN": TOKEN, "ONBOARDER_STATE_KEY": KEY}
PROJECTS = ["gitlab-com/support/support-training", "gitlab-com/support/support-team-meta"]
COMPONENT_PROJECT = "gitlab-com/support/onboarder"  # as in the include of docs/gitlab-ci.md


def crate_version() -> str:
    """The crate's version in Cargo.toml: what a release tag releases (the release pipeline refuses
    a tag that differs), and so the component version the fixture includes."""
    with open(CHECKOUT / "Cargo.toml", "rb") as f:
        return tomllib.load(f)["package"]["version"]


COMPONENT_VERSION = crate_version()
JOBS = ["onboarder-sync", "onboarder-new-hire", "onboarder-new-hire-needs-username", "onboarder-plan"]
WRITES = ("POST ", "PUT ", "PATCH ", "DELETE ")
STATE_KEY = re.compile(r'<!-- onboarder:state \{"v":1,"key":"([^"]+)"')
SUMMARY = re.compile(r"created (\d+), updated (\d+), closed (\d+); .*?(\d+) failed")


class Failure(Exception):
    """A scenario's outcome is not what it should be."""


class Fake:
    """The fake-gitlab binary, with the example roster's users and both projects."""

    def __init__(self, bin_dir: Path, work: Path):
        self.log = work / "fake-requests.log"
        self.output = work / "fake-gitlab.out"
        command = [str(bin_dir / "fake-gitlab"), "--port", "0", "--token", TOKEN, "--project", *PROJECTS,
                   "--roster", str(CHECKOUT / "roster"), "--roster", str(CHECKOUT / "shadow-program.yaml"),
                   "--user", "ggreene", "rbhatt", "--request-log", str(self.log)]
        with open(self.output, "w") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            found = re.search(r"^fake-gitlab listening on (\S+)$", self.output.read_text(), re.M)
            if found:
                self.url = found.group(1)
                break
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise Failure(f"fake-gitlab did not start:\n{self.output.read_text()}")
            time.sleep(0.05)

    def requests(self) -> list[str]:
        """Every request answered so far, `METHOD STATUS PATH`, oldest first."""
        self.log.unlink(missing_ok=True)
        self.process.send_signal(signal.SIGUSR1)
        deadline = time.monotonic() + 10
        while not self.log.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise Failure(f"fake-gitlab wrote no request log:\n{self.output.read_text()}")
            time.sleep(0.02)
        return self.log.read_text().splitlines()

    def issues(self) -> list[dict]:
        """Every issue of both projects, as GitLab's REST API shows it."""
        issues = []
        for project in PROJECTS:
            url = f"{self.url}/api/v4/projects/{urllib.parse.quote(project, safe='')}/issues?state=all&per_page=100"
            request = urllib.request.Request(url, headers={"PRIVATE-TOKEN": TOKEN})
            with urllib.request.urlopen(request, timeout=30) as answer:
                page = json.load(answer)
            if len(page) >= 100:
                raise Failure(f"{project} holds 100 issues or more: read more than one page")
            issues += sorted(page, key=lambda i: i["iid"])
        return issues

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


def people(issues: list[dict]) -> set[str]:
    """Usernames that have an onboarding issue (dashboards are not a person's issue)."""
    found = set()
    for issue in issues:
        for key in STATE_KEY.findall(issue.get("description") or ""):
            template, _, username = key.partition(":")
            if not template.endswith("dashboard"):
                found.add(username)
    return found


def run(command: list[str], cwd: Path, env: dict | None = None) -> str:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise Failure(f"{' '.join(command)} exited {done.returncode}:\n{done.stdout}{done.stderr}")
    return done.stdout


class Pipeline:
    """One pipeline of the roster repository, and what came of it."""

    def __init__(self, name: str, status: int, output: str, repo: Path, requests: list[str],
                 before: list[dict], after: list[dict]):
        self.name, self.status, self.output, self.repo = name, status, output, repo
        self.requests, self.before, self.after = requests, before, after
        self.exits = {}
        for line in output.splitlines():
            finished = re.match(r"^(\S+)\s+finished in .*?(?:FAIL (\d+))?\s*$", line)
            if finished and finished.group(1) in JOBS:
                self.exits[finished.group(1)] = int(finished.group(2) or 0)

    def log(self, job: str) -> str:
        path = self.repo / ".gitlab-ci-local" / "output" / f"{job}.log"
        return path.read_text() if path.exists() else ""

    def writes(self) -> list[str]:
        return [r for r in self.requests if r.startswith(WRITES)]

    def expect(self, condition: bool, message: str):
        if not condition:
            raise Failure(message)

    def expect_job(self, job: str, exit_code: int):
        """`job` is the only job that ran, and it exited `exit_code`; the pipeline's status follows."""
        self.expect(list(self.exits) == [job], f"expected only {job} to run; ran: {list(self.exits) or 'nothing'}")
        self.expect(self.exits[job] == exit_code, f"{job} exited {self.exits[job]}, expected {exit_code}")
        self.expect((self.status == 0) == (exit_code == 0),
                    f"the pipeline's status is {self.status} but {job} exited {exit_code}")

    def expect_printed(self, job: str, pattern: str):
        self.expect(re.search(pattern, self.log(job), re.M) is not None, f"{job} did not print /{pattern}/")

    def expect_no_request(self):
        self.expect(not self.requests, f"expected no request to GitLab; got {len(self.requests)}")

    def expect_no_write(self):
        self.expect(not self.writes(), f"expected no write; got {len(self.writes())}: {self.writes()[:5]}")
        self.expect(self.after == self.before, "the issues changed")

    def summary(self, job: str) -> tuple[int, int, int, int]:
        found = SUMMARY.search(self.log(job))
        self.expect(found is not None, f"{job} printed no summary line (created N, updated N, closed N; ...)")
        return tuple(int(n) for n in found.groups())

    def report(self) -> str:
        jobs = "".join(f"\n--- job log of {job}:\n{self.log(job)}" for job in self.exits)
        requests = "\n".join(self.requests[-40:])
        return (f"--- gitlab-ci-local, pipeline \"{self.name}\" (exit status {self.status}):\n{self.output}{jobs}\n"
                f"--- the fake's last {min(40, len(self.requests))} of {len(self.requests)} requests "
                f"in this pipeline:\n{requests}")


class Roster:
    """The roster repository: a git repository whose remote is the fake, and gitlab-ci-local."""

    def __init__(self, work: Path, fake: Fake, gitlab_ci_local: Path, bin_dir: Path):
        self.fake, self.gitlab_ci_local = fake, gitlab_ci_local
        self.repo = work / "roster-repository"
        self.home = work / "home"
        self.home.mkdir()
        path = work / "bin"  # onboarder alone on PATH, as in the image
        path.mkdir()
        (path / "onboarder").symlink_to(bin_dir / "onboarder")
        node = Path(shutil.which("node") or "/usr/bin/node").parent
        # Nothing of this process's environment reaches the jobs (gitlab-ci-local passes its own on):
        # a token of the CI that runs this must not stand in for the variables a scenario sets.
        self.env = {"PATH": f"{path}:{node}:/usr/local/bin:/usr/bin:/bin", "HOME": str(self.home), "LANG": "C.UTF-8"}

        self.repo.mkdir()
        for name in ["onboarder.yaml", "shadow-program.yaml"]:
            shutil.copy(CHECKOUT / name, self.repo / name)
        for name in ["roster", "issue-templates"]:
            shutil.copytree(CHECKOUT / name, self.repo / name)
        shutil.copy(CHECKOUT / "tests/pipeline/gitlab-ci.yml", self.repo / ".gitlab-ci.yml")
        run(["git", "-c", "init.defaultBranch=main", "init", "-q"], self.repo, self.env)
        run(["git", "config", "user.name", "Roster Maintainer"], self.repo, self.env)
        run(["git", "config", "user.email", "roster@example.com"], self.repo, self.env)
        run(["git", "remote", "add", "origin", f"{fake.url}/gitlab-com/support/team-roster.git"], self.repo, self.env)
        run(["git", "add", "-A"], self.repo, self.env)
        run(["git", "commit", "-q", "-m", "Roster"], self.repo, self.env)
        # The component at COMPONENT_VERSION, where gitlab-ci-local keeps what it fetched from the
        # server: `include: component:` then reads this checkout's template, inputs and all.
        host = urllib.parse.urlsplit(fake.url).hostname
        cached = self.repo / ".gitlab-ci-local/includes" / host / COMPONENT_PROJECT / COMPONENT_VERSION / "templates"
        cached.mkdir(parents=True)
        shutil.copy(CHECKOUT / "templates/onboarder.yml", cached / "onboarder.yml")

    def ci_file_with_username_field(self, username: str) -> str:
        """The CI file as GitLab interpolates it when the Run pipeline form's `username` is filled."""
        text = (self.repo / ".gitlab-ci.yml").read_text()
        filled = text.replace('username: {default: ""', f'username: {{default: "{username}"', 1)
        if filled == text:
            raise Failure("tests/pipeline/gitlab-ci.yml has no `username` input with an empty default")
        (self.repo / "username-form.gitlab-ci.yml").write_text(filled)
        return "username-form.gitlab-ci.yml"

    def command(self, source: str, variables: dict, ci_file: str) -> list[str]:
        command = [str(self.gitlab_ci_local), "--force-shell-executor", "--no-color", "--home", str(self.home),
                   "--file", ci_file, "--variable", f"CI_PIPELINE_SOURCE={source}"]
        for key, value in variables.items():
            command += ["--variable", f"{key}={value}"]
        return command

    def jobs(self, source: str) -> dict[str, str]:
        """Each job of the pipeline and its `when` (`never`: not in the pipeline)."""
        listing = run(self.command(source, {}, ".gitlab-ci.yml") + ["--list-json"], self.repo, self.env)
        start = re.search(r"^\[", listing, re.M)  # after gitlab-ci-local's warnings
        if start is None:
            raise Failure(f"gitlab-ci-local --list-json printed no list:\n{listing}")
        return {job["name"]: job["when"] for job in json.loads(listing[start.start():])}

    def pipeline(self, name: str, source: str, variables: dict, ci_file: str = ".gitlab-ci.yml") -> Pipeline:
        # Each pipeline starts from the committed roster: no report or job log of the one before.
        run(["git", "clean", "-fdxq", "-e", "/.gitlab-ci-local/", "-e", "/username-form.gitlab-ci.yml"],
            self.repo, self.env)
        for stale in ["output", "artifacts"]:
            shutil.rmtree(self.repo / ".gitlab-ci-local" / stale, ignore_errors=True)
        before = self.fake.issues()
        seen = len(self.fake.requests())  # after our own reads: only the pipeline's requests follow
        try:
            done = subprocess.run(self.command(source, variables, ci_file), cwd=self.repo, env=self.env,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
        except subprocess.TimeoutExpired as timeout:
            raise Failure(f"the pipeline ran for more than 300 s:\n{timeout.output or ''}") from None
        requests = self.fake.requests()[seen:]
        return Pipeline(name, done.returncode, done.stdout, self.repo, requests, before, self.fake.issues())


class Scenarios:
    """The scenarios, in order: they share one fake, so each starts where the one before left it."""

    def __init__(self, roster: Roster):
        self.roster = roster
        self.last: Pipeline | None = None

    def list(self):
        return [
            ("a push runs none of the component's jobs", self.push),
            ("merge request: the plan reads with GITLAB_READ_TOKEN and writes nothing", self.merge_request),
            ("Run pipeline without a username: red, says why, no request", self.no_username),
            ("Run pipeline with a typo: red, did you mean, no request", self.typo),
            ("Run pipeline: ONBOARDER_USERNAME wins over the username field; only that person", self.variable_wins),
            ("Run pipeline: the username field onboards only that person", self.username_field),
            ("ChatOps: run onboarder-new-hire @username onboards only that person", self.chat),
            ("schedule without ONBOARDER_STATE_KEY: red, says how to make one, no request", self.no_key),
            ("schedule: the sync creates everyone else's issues", self.schedule),
            ("schedule again: nothing to change, no write", self.schedule_again),
        ]

    def pipeline(self, name, source, variables, ci_file=".gitlab-ci.yml") -> Pipeline:
        self.last = None
        self.last = self.roster.pipeline(name, source, variables, ci_file)
        return self.last

    def push(self):
        jobs = self.roster.jobs("push")
        if set(jobs) != set(JOBS) or set(jobs.values()) != {"never"}:
            raise Failure(f"a push pipeline should run none of the component's jobs; jobs: {jobs}")

    def merge_request(self):
        p = self.pipeline("merge request", "merge_request_event", {"GITLAB_READ_TOKEN": TOKEN})
        p.expect_job("onboarder-plan", 0)
        p.expect("OFFLINE PLAN" not in p.log("onboarder-plan"), "the plan was offline: GITLAB_READ_TOKEN unused")
        p.expect(any(r.startswith("GET ") for r in p.requests), "the plan read nothing from GitLab")
        p.expect_no_write()
        planned = len(re.findall(r"^create\s+\S+ · \S+ · ", p.log("onboarder-plan"), re.M))
        p.expect(planned > 0, "the plan shows no issue to create")
        artifacts = p.repo / ".gitlab-ci-local/artifacts/onboarder-plan"
        for name in ["onboarder-plan.txt", "onboarder-summary.md"]:
            p.expect((artifacts / name).is_file(), f"artifact {name} missing")
        previews = list((artifacts / "onboarder-preview").glob("*.md"))
        p.expect(len(previews) == planned, f"{len(previews)} previews for {planned} planned issues")

    def no_username(self):
        p = self.pipeline("Run pipeline without a username", "web", PROTECTED)
        p.expect_job("onboarder-new-hire-needs-username", 2)
        p.expect_printed("onboarder-new-hire-needs-username", r"No username: nobody was onboarded")
        p.expect_printed("onboarder-new-hire-needs-username", r"variable key ONBOARDER_USERNAME")
        p.expect_no_request()
        p.expect_no_write()

    def typo(self):
        p = self.pipeline("Run pipeline with a typo", "web", {**PROTECTED, "ONBOARDER_USERNAME": "pramn"})
        p.expect_job("onboarder-new-hire", 2)
        p.expect_printed("onboarder-new-hire", r'--only "pramn": nobody in the roster .*did you mean "praman"\?')
        p.expect_no_request()
        p.expect_no_write()

    def variable_wins(self):
        ci_file = self.roster.ci_file_with_username_field("dramirez")
        variables = {**PROTECTED, "ONBOARDER_USERNAME": "praman"}
        self.new_hire(self.pipeline("Run pipeline, variable and field", "web", variables, ci_file), "praman")

    def username_field(self):
        ci_file = self.roster.ci_file_with_username_field("dramirez")
        self.new_hire(self.pipeline("Run pipeline, field", "web", PROTECTED, ci_file), "dramirez")

    def chat(self):
        # `/gitlab <project> run onboarder-new-hire @lortega`: the job strips the @ and the blanks.
        variables = {**PROTECTED, "CHAT_INPUT": " @lortega "}
        self.new_hire(self.pipeline("ChatOps", "chat", variables), "lortega")

    @staticmethod
    def new_hire(p: Pipeline, username: str):
        p.expect_job("onboarder-new-hire", 0)
        p.expect_printed("onboarder-new-hire", rf"^create\s+{username} · ")
        created, _, closed, failed = p.summary("onboarder-new-hire")
        p.expect(created > 0 and closed == 0 and failed == 0, f"summary: {created} created, {closed} closed, {failed} failed")
        p.expect(people(p.after) == people(p.before) | {username},
                 f"people with an issue: {sorted(people(p.before))} before, {sorted(people(p.after))} after")
        # Nobody else's issue was touched; only dashboards (the new hire's row in the manager's) may change.
        for issue in p.before:
            keys = STATE_KEY.findall(issue.get("description") or "")
            if not any(k.partition(":")[0].endswith("dashboard") for k in keys):
                p.expect(issue in p.after, f"issue {issue['web_url']} of someone else changed")

    def no_key(self):
        p = self.pipeline("schedule without the state key", "schedule", {"GITLAB_TOKEN": TOKEN})
        p.expect_job("onboarder-sync", 2)
        p.expect_printed("onboarder-sync", r"sync needs ONBOARDER_STATE_KEY.*openssl rand -hex 32")
        p.expect_no_request()
        p.expect_no_write()

    def schedule(self):
        p = self.pipeline("schedule", "schedule", PROTECTED)
        p.expect_job("onboarder-sync", 0)
        created, _, closed, failed = p.summary("onboarder-sync")
        p.expect(created > 0 and closed == 0 and failed == 0, f"summary: {created} created, {closed} closed, {failed} failed")
        p.expect(len(p.after) == len(p.before) + created,
                 f"{len(p.before)} issues + {created} created, but the fake holds {len(p.after)}")
        p.expect(len(p.writes()) >= created, f"{created} created with {len(p.writes())} writes")
        p.expect(all("onboarder" in i["labels"] for i in p.after), "an issue lacks the marker label")
        p.expect((p.repo / ".gitlab-ci-local/artifacts/onboarder-sync/onboarder-summary.md").is_file(), "no summary artifact")
        p.expect((p.repo / "onboarder-junit.xml").is_file(), "no JUnit report")

    def schedule_again(self):
        p = self.pipeline("schedule again", "schedule", PROTECTED)
        p.expect_job("onboarder-sync", 0)
        p.expect(p.summary("onboarder-sync")[:3] == (0, 0, 0), "the second sync changed something")
        p.expect(any(r.startswith("GET ") for r in p.requests), "the second sync read nothing")
        p.expect_no_write()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gitlab-ci-local", type=Path, required=True)
    parser.add_argument("--bin-dir", type=Path, required=True, help="where onboarder and fake-gitlab are")
    parser.add_argument("--work", type=Path, required=True, help="a directory to create (kept for inspection)")
    args = parser.parse_args()
    args.work = args.work.resolve()
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)

    fake = Fake(args.bin_dir.resolve(), args.work)
    passed, day, began = 0, time.strftime("%Y-%m-%d", time.gmtime()), time.monotonic()
    try:
        scenarios = Scenarios(Roster(args.work, fake, args.gitlab_ci_local.resolve(), args.bin_dir.resolve()))
        for title, check in scenarios.list():
            started = time.monotonic()
            try:
                check()
            except Failure as failure:
                print(f"FAIL  {title}\n      {failure}")
                if scenarios.last is not None:
                    print(scenarios.last.report())
                if time.strftime("%Y-%m-%d", time.gmtime()) != day:
                    print("(the UTC date changed during these scenarios, so a pace or stage may have moved: run them again)")
                print(f"--- fake-gitlab's output (end):\n{fake.output.read_text()[-2000:]}")
                print(f"scenarios: {passed} passed, 1 failed")
                return 1
            passed += 1
            print(f"ok    {title} ({time.monotonic() - started:.1f} s)")
    finally:
        fake.stop()
    print(f"the pipeline scenarios took {time.monotonic() - began:.0f} s")
    print(f"scenarios: {passed} passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
