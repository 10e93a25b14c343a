"""Generates compat-tests/config/ini-corpus.json (run with the harness venv's
python): random INI texts and what
supervisor 4.3.0's UnhosedConfigParser makes of them."""
import json, os, random, sys, tempfile

from supervisor.options import UnhosedConfigParser

rnd = random.Random(4300)
keys = ["command", "Command", "a", "b b", "x_y", " k", "KEY", "a", "command"]
vals = ["1", "x y", "a;b", "a ;b", "a#b", "a #b", "a\t#b", "%(here)s", "%%", "", " v ", "a=b", "a:b", ";x", "#x", "é"]
def line():
    r = rnd.random()
    ind = rnd.choice(["", "", "", " ", "  ", "\t"])
    if r < 0.15:
        return ind + "[" + rnd.choice(["a", "b", "DEFAULT", "a] x", " c ", "", "program:x"]) + "]" + rnd.choice(["", " ;c", ";c", " #c", " junk"])
    if r < 0.6:
        return ind + rnd.choice(keys) + rnd.choice(["=", " = ", ":", " : ", "\t=\t"]) + rnd.choice(vals) + rnd.choice(["", " ; c", " #c", ";c"])
    if r < 0.7:
        return ind + rnd.choice(["; comment", "# comment", ";", "#"])
    if r < 0.85:
        return ""
    if r < 0.97:
        return rnd.choice([" ", "  ", "\t", "    "]) + rnd.choice(["cont", "more text", "x ; y", "k=v"])
    return ind + rnd.choice(["bogus", "=v", "[unclosed"])

cases = []
for i in range(500):
    n = rnd.randint(1, 12)
    lines = [line() for _ in range(n)]
    if rnd.random() < 0.8:
        lines.insert(0, "[s]")
    eol = rnd.choice(["\n", "\n", "\r\n", "\r"])
    text = eol.join(lines) + rnd.choice([eol, ""])
    fd, path = tempfile.mkstemp()
    with os.fdopen(fd, "w", newline="") as f:
        f.write(text)
    p = UnhosedConfigParser()
    try:
        with open(path) as f:
            p.read_file(f, source="<corpus>")
        out = {"sections": [[s, [[k, v] for k, v in p._sections[s].items()]] for s in p.sections()],
               "defaults": [[k, v] for k, v in p._defaults.items()]}
    except Exception as e:
        out = {"error": str(e)}
    os.unlink(path)
    cases.append({"text": text, "result": out})
json.dump(cases, sys.stdout, indent=0, ensure_ascii=False)
