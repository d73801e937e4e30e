#!/usr/bin/env python3
"""Every command's --help, the man page and the README agree on its options.

For each command listed by `carbonstat --help`, the long options its --help
prints must be documented
  - in the man page, in that command's entry under COMMANDS (from its `.B cmd`
    line to the next command's) or under COMMON OPTIONS, and
  - in the README's "Command-line reference", on the command's line
    ("- `cmd`: ...") or the line for options common to several commands;
and every option the man page gives a command must be in its --help (so a
documented option the command does not take, or forgot in --help, fails too).
Usage: test_help_docs.py path/to/carbonstat man/carbonstat.1 README.md
"""
import re
import subprocess
import sys

OPT = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")


def help_of(binary, cmd):
    args = [binary] + ([cmd, "--help"] if cmd else ["--help"])
    r = subprocess.run(args, capture_output=True, text=True, timeout=20)
    if r.returncode != 0:
        raise SystemExit(f"FAIL: {' '.join(args)} exited {r.returncode}: {r.stderr.strip()}")
    return r.stdout


def commands(binary):
    out = help_of(binary, None)
    block = out.split("Commands:", 1)[1].split("\n\n", 1)[0]
    return [ln.split()[0] for ln in block.splitlines() if ln.strip()]


def man_sections(text, cmds):
    """{cmd: text of its entry}, plus "" for COMMON OPTIONS."""
    text = re.sub(r"\\f[BIRP]", "", text.replace("\\-", "-"))  # dashes and font changes
    body = text.split(".SH COMMANDS", 1)[1]
    commands_part, rest = body.split(".SH COMMON OPTIONS", 1)
    common = rest.split("\n.SH ", 1)[0]
    sections = {"": common}
    current = None
    for line in commands_part.splitlines():
        m = re.match(r"\.B ([a-z]+)\b", line)
        if m and m.group(1) in cmds and m.group(1) != current:
            # `.B billing reconcile` continues billing's entry
            current = m.group(1)
        if current:
            sections[current] = sections.get(current, "") + line + "\n"
    return sections


def readme_lines(text, cmds):
    """{cmd: its reference line}, plus "" for the common-options lines."""
    ref = text.split("## Command-line reference", 1)
    if len(ref) < 2:
        return None
    ref = ref[1].split("\n## ", 1)[0]
    lines = {"": ""}
    for item in re.split(r"\n(?=- )", ref):
        m = re.match(r"- `([a-z]+)`", item)
        if m and m.group(1) in cmds:
            lines[m.group(1)] = item
        elif item.startswith("- "):
            lines[""] += item + "\n"
    return lines


def main():
    binary, man_path, readme_path = sys.argv[1:4]
    cmds = commands(binary)
    man = man_sections(open(man_path).read(), cmds)
    readme = readme_lines(open(readme_path).read(), cmds)
    problems = []
    if readme is None:
        problems.append("README.md has no '## Command-line reference' section")
        readme = {"": ""}
    for cmd in cmds:
        helped = set(OPT.findall(help_of(binary, cmd))) - {"--help"}
        in_man = set(OPT.findall(man.get(cmd, "")))
        if cmd not in man:
            problems.append(f"man page: no entry for '{cmd}' under COMMANDS")
        for o in sorted(helped):
            if o not in in_man and o not in OPT.findall(man[""]):
                problems.append(f"man page: '{cmd} {o}' (in its --help) is not documented")
            if cmd in readme:
                if o not in OPT.findall(readme[cmd]) and o not in OPT.findall(readme[""]):
                    problems.append(f"README: '{cmd} {o}' (in its --help) is not in the reference")
        if cmd not in readme:
            problems.append(f"README: no line for '{cmd}' in the Command-line reference")
        for o in sorted(in_man - helped - {"--help"}):
            problems.append(f"{cmd} --help: lacks '{o}', which the man page documents for it")
    for p in problems:
        print("FAIL", p)
    print(f"{len(cmds)} commands checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
