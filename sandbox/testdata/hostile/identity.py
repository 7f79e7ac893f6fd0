# The program runs under a non-zero uid with no capabilities at all.
status = dict(l.split(":", 1) for l in open("/proc/self/status").read().splitlines() if ":" in l)
uid = int(status["Uid"].split()[0])
if "CapAmb" not in status or "NoNewPrivs" not in status:
    # gVisor's /proc/self/status has neither line: ask the kernel. It has no
    # ambient capabilities at all (prctl PR_CAP_AMBIENT=47 is EINVAL there);
    # PR_CAP_AMBIENT_IS_SET=1 per capability where it has them.
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    status.setdefault("CapAmb", "%x" % sum(1 << c for c in range(64) if libc.prctl(47, 1, c, 0, 0) == 1))
    status.setdefault("NoNewPrivs", str(libc.prctl(39, 0, 0, 0, 0)))  # PR_GET_NO_NEW_PRIVS
caps = {k: int(status[k].strip(), 16) for k in ("CapEff", "CapPrm", "CapInh", "CapAmb")}
nnp = status["NoNewPrivs"].strip()
print("uid", uid, "caps", caps, "nnp", nnp)
assert uid != 0
assert all(v == 0 for v in caps.values()), caps
assert nnp == "1"
import os
assert not os.path.exists("/var/run/docker.sock")
