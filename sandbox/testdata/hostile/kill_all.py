# SIGKILL to every process this uid may signal: on Linux that spares the
# caller, and the runner, under another uid, must survive too.
import os, signal
os.kill(-1, signal.SIGKILL)
print("survived")
