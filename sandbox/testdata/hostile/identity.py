# The program runs under a non-zero uid with no capabilities at all.
status = dict(l.split(":", 1) for l in open("/proc/self/status").read().splitlines() if ":" in l)
uid = int(status["Uid"].split()[0])
caps = {k: int(status[k].strip(), 16) for k in ("CapEff", "CapPrm", "CapInh", "CapAmb")}
nnp = status["NoNewPrivs"].strip()
print("uid", uid, "caps", caps, "nnp", nnp)
assert uid != 0
assert all(v == 0 for v in caps.values()), caps
assert nnp == "1"
import os
assert not os.path.exists("/var/run/docker.sock")
