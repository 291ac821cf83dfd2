"""What PyTorch gives for the files here (tests/engine/tst_tryexcept.cpp). Run with /usr/bin/python3:
    /usr/bin/python3 tests/data/python/tryexcept/gen_reference.py
Writes reference.json: per file print(model) and the parameter count, or the exception the file
raises ("KeyError: 'b'") and the line it is raised at.
"""
import json
import os
import runpy
import sys
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
out = {}
for name in sorted(os.listdir(HERE)):
    if not name.endswith(".py") or name.startswith("gen_"):
        continue
    path = os.path.join(HERE, name)
    try:
        model = runpy.run_path(path)["model"]
        out[name] = {"repr": repr(model), "params": sum(p.numel() for p in model.parameters())}
    except Exception as e:
        tb = [f for f in traceback.extract_tb(sys.exc_info()[2]) if f.filename == path]
        out[name] = {"error": "%s: %s" % (type(e).__name__, e), "line": tb[-1].lineno}
with open(os.path.join(HERE, "reference.json"), "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
