import socket
blocked = []
for what, fn in [
    ("tcp", lambda: socket.create_connection(("1.1.1.1", 80), timeout=2)),
    ("dns", lambda: socket.getaddrinfo("deb.debian.org", 80)),
    ("loopback-escape", lambda: socket.create_connection(("172.17.0.1", 2375), timeout=2)),
]:
    try:
        fn()
        print("REACHED", what)
    except OSError as e:
        blocked.append(what)
print("blocked:", " ".join(blocked))
