"""Generates compat-tests/config/value-corpus.json: random option values and
what supervisor 4.3.0 makes of them -- `%` expansion (supervisor.options.expand)
and environment= parsing (supervisor.datatypes.dict_of_key_value_pairs).
Run with the harness venv's python; the Rust unit tests read the output."""
import json
import random
import sys

from supervisor.datatypes import dict_of_key_value_pairs
from supervisor.options import expand

rnd = random.Random(4301)
EXPANSIONS = {"here": "/h", "program_name": "p", "process_num": 7, "numprocs": 12, "ENV_X": "x y"}
PIECES = ["%(here)s", "%(process_num)02d", "%(process_num)d", "%(process_num)-4d|", "%(process_num)+d",
          "%(process_num)x", "%(process_num)#o", "%(program_name)r", "%(program_name)5s", "%(program_name).1s",
          "%(numprocs)03i", "%(ENV_X)s", "%(nope)s", "%%", "%", "%s", "%d", "%(here)d", "%(here)", "%(here",
          "%(process_num)c", "%(process_num)5.1f", "%(process_num)e", "%(process_num)q", "abc", " ", "é", "%(ENV_X)a"]
KV = ["A", "=", ",", "1", '"', "'", " ", "x y", "/p:a", "#", "é", ";", "B", "$", "\t", "\n", "(x)", "-+."]


def attempt(fn, arg):
    try:
        return {"ok": fn(arg)}
    except ValueError as e:
        return {"error": str(e)}


fmt = []
for _ in range(400):
    s = "".join(rnd.choice(PIECES) for _ in range(rnd.randint(1, 4)))
    fmt.append({"in": s, "out": attempt(lambda v: expand(v, EXPANSIONS, "sec.opt"), s)})
kv = []
for i in range(400):
    if i % 2:
        s = "".join(rnd.choice(KV) for _ in range(rnd.randint(1, 9)))
    else:
        pairs = [rnd.choice(["A", "B_2", "c"]) + rnd.choice(["=", " = "]) + rnd.choice(KV + ['"a,b"', "'q r'", "v"])
                 for _ in range(rnd.randint(1, 3))]
        s = rnd.choice([",", ", ", " ", ";"]).join(pairs)
    kv.append({"in": s, "out": attempt(lambda v: [[k, x] for k, x in dict_of_key_value_pairs(v).items()], s)})
json.dump({"expansions": EXPANSIONS, "fmt": fmt, "kv": kv}, sys.stdout, indent=0, ensure_ascii=False)
