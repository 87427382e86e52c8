#!/usr/bin/python3
"""Strict reader of the Prometheus text exposition format (0.0.4).

  promtext.py FILE|-            check; print one line per sample:
                                NAME<TAB>LABELS-JSON<TAB>VALUE
  promtext.py --labels FILE     print NAME<TAB>sorted label names, one line
                                per metric family (every series of a family
                                must have the same label names)

Exit status 1 with a message naming the line on anything a Prometheus
server would reject: a bad metric or label name, a label value that is not
valid UTF-8 or has an escape other than \\\\ \\" \\n, a raw quote or
newline in it, a duplicate label or series, a TYPE after the family's
samples or given twice, an unknown type, a bad number.  Written for the
tests (no dependency beyond Python).
"""
import json
import math
import re
import sys

NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}
SUFFIXES = ("_sum", "_count", "_bucket")


class Bad(Exception):
    pass


def parse_value(text):
    if text in ("+Inf", "Inf"):
        return math.inf
    if text == "-Inf":
        return -math.inf
    if text == "NaN":
        return math.nan
    if not re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", text):
        raise Bad("bad number %r" % text)
    return float(text)


def parse_labels(line, pos):
    """Labels from line[pos] == '{'; returns (dict, position after '}')."""
    labels = {}
    pos += 1
    while True:
        if pos < len(line) and line[pos] == "}":
            return labels, pos + 1
        m = LABEL.match(line, pos)
        if not m:
            raise Bad("bad label name at column %d" % (pos + 1))
        name = m.group(0)
        pos = m.end()
        if line[pos:pos + 2] != '="':
            raise Bad("expected =\" after label %s" % name)
        pos += 2
        value = []
        while True:
            if pos >= len(line):
                raise Bad("unterminated value of label %s" % name)
            c = line[pos]
            if c == '"':
                pos += 1
                break
            if c == "\\":
                e = line[pos + 1:pos + 2]
                if e not in ("\\", '"', "n"):
                    raise Bad("bad escape \\%s in label %s" % (e, name))
                value.append("\n" if e == "n" else e)
                pos += 2
                continue
            value.append(c)
            pos += 1
        if name in labels:
            raise Bad("label %s given twice" % name)
        labels[name] = "".join(value)
        if pos < len(line) and line[pos] == ",":
            pos += 1
        elif pos < len(line) and line[pos] != "}":
            raise Bad("expected , or } after label %s" % name)


def family_of(name, types):
    for s in SUFFIXES:
        if name.endswith(s) and types.get(name[: -len(s)]) in ("summary", "histogram"):
            return name[: -len(s)]
    return name


def parse(data):
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise Bad("not UTF-8: %s" % e)
    if text and not text.endswith("\n"):
        raise Bad("the last line does not end with a newline")
    types, seen_samples, series, samples, label_sets = {}, set(), set(), [], {}
    for no, line in enumerate(text.split("\n")[:-1], 1):
        try:
            if line.startswith("#"):
                parts = line.split(" ", 3)
                if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
                    if not NAME.fullmatch(parts[2]):
                        raise Bad("bad metric name %r" % parts[2])
                    if parts[1] == "TYPE":
                        t = parts[3] if len(parts) > 3 else ""
                        if t not in TYPES:
                            raise Bad("unknown type %r" % t)
                        if parts[2] in types:
                            raise Bad("TYPE of %s given twice" % parts[2])
                        if parts[2] in seen_samples:
                            raise Bad("TYPE of %s after its samples" % parts[2])
                        types[parts[2]] = t
                continue
            if not line.strip():
                continue
            m = NAME.match(line)
            if not m:
                raise Bad("bad metric name")
            name, pos = m.group(0), m.end()
            labels = {}
            if pos < len(line) and line[pos] == "{":
                labels, pos = parse_labels(line, pos)
            rest = line[pos:].split(" ")
            if rest[0] != "" or len(rest) not in (2, 3):
                raise Bad("expected ' VALUE [TIMESTAMP]'")
            value = parse_value(rest[1])
            if len(rest) == 3 and not re.fullmatch(r"-?\d+", rest[2]):
                raise Bad("bad timestamp %r" % rest[2])
            fam = family_of(name, types)
            seen_samples.add(fam)
            key = (name, tuple(sorted(labels.items())))
            if key in series:
                raise Bad("series %s%s given twice" % (name, labels))
            series.add(key)
            names = tuple(sorted(k for k in labels if k not in ("le", "quantile")))
            if label_sets.setdefault(name, names) != names:
                raise Bad("%s has label names %s here, %s before" % (name, names, label_sets[name]))
            samples.append((name, labels, value))
        except Bad as e:
            raise Bad("line %d: %s: %r" % (no, e, line))
    return samples, label_sets


def main():
    args = sys.argv[1:]
    want_labels = args[:1] == ["--labels"]
    if want_labels:
        args = args[1:]
    data = sys.stdin.buffer.read() if args in ([], ["-"]) else open(args[0], "rb").read()
    try:
        samples, label_sets = parse(data)
    except Bad as e:
        print("promtext: %s" % e, file=sys.stderr)
        sys.exit(1)
    if want_labels:
        for name in sorted(label_sets):
            print("%s\t%s" % (name, ",".join(label_sets[name])))
        return
    for name, labels, value in samples:
        v = int(value) if value == int(value) else value
        print("%s\t%s\t%s" % (name, json.dumps(labels, sort_keys=True), v))


if __name__ == "__main__":
    main()
