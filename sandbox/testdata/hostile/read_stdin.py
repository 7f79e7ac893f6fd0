import sys
data = sys.stdin.read()
print("stdin gave %d bytes" % len(data))
