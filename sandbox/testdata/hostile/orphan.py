# Leaves a child running after the main process ends.
import subprocess
subprocess.Popen(["sleep", "1000"])
print("left an orphan")
