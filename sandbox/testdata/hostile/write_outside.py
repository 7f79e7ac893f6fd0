import os
ok = []
for p in ["/etc/codetree-pwned", "/usr/bin/codetree-pwned", "/codetree-pwned", "/root/x", "/.codetree/runner",
          # Podman mounts writable tmpfs here under a read-only root
          "/var/tmp/codetree-pwned", "/run/codetree-pwned"]:
    try:
        with open(p, "w") as f:
            f.write("pwned")
        print("WROTE", p)
    except OSError:
        ok.append(p)
print("refused:", len(ok))
