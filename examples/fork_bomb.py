# A fork bomb: held by the pids limit and killed at the deadline.
import os

while True:
    try:
        os.fork()
    except OSError:
        pass
