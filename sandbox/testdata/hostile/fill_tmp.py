# Fills /tmp and /dev/shm until the kernel says no space is left.
import errno
for d in ["/tmp", "/dev/shm"]:
    i = 0
    try:
        while True:
            with open("%s/fill-%d" % (d, i), "wb") as f:
                f.write(b"\0" * (1 << 20))
            i += 1
    except OSError as e:
        assert e.errno in (errno.ENOSPC, errno.EDQUOT), e
    print(d, "full after", i, "MiB")
