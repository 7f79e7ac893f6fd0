import os
for k, v in sorted(os.environ.items()):
    print("%s=%s" % (k, v))
