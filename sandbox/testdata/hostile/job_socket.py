# The harness's job socket (a host folder bind-mounted at /.codetree/sock
# until the runner has connected) must be out of reach, and a job may not
# raise its own priority (the runner holds CAP_SYS_NICE; jobs must not).
import os, socket
refused = []
def attempt(name, fn):
    try:
        fn()
        print("REACHED", name)
    except OSError:
        refused.append(name)
def connect():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect("/.codetree/sock/runner.sock")
attempt("connect", connect)
attempt("list", lambda: print(os.listdir("/.codetree/sock")))
attempt("renice", lambda: os.setpriority(os.PRIO_PROCESS, 0, -1))
print("refused:", " ".join(refused))
