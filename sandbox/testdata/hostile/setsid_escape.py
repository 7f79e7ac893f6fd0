# Double-forks into a new session and keeps writing to /tmp, hoping to
# outlive the job and disturb the next one.
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        while True:
            with open("/tmp/escaped-%d" % os.getpid(), "w") as f:
                f.write("still here")
            time.sleep(0.01)
    os._exit(0)
print("escaped")
