// Package sandbox runs untrusted programs, the code a language model wrote,
// in hardened Docker containers, fast enough for a tree search.
//
// # Runner: one interface for consumers
//
// Code that only runs programs takes a Runner (Run(ctx, Request) (Result,
// error)): treesearch's testers, benchmarks' Evaluator, and Analyze, a
// function over any Runner. *Sandbox, the Docker runtime, is the one
// implementation; its lifecycle (New, Close, Warm, GC) and its Docker
// specifics (box.go, pool.go, gc.go, images.go, mount.go, docker.go) stay
// behind it. A second runtime (say gVisor, Firecracker or a remote
// service) plugs in at one place: a type of its own with Run under the
// contract below, made at the edge (cmd) instead of New; nothing that
// consumes a Runner changes.
//
// # Verdicts and errors
//
// Run returns a Result whose Status is the verdict on the program: passed,
// failed, runtime error, time limit, memory limit, output limit, or internal
// error (the sandbox misbehaved during the run; the outcome is unknown). A
// wrong answer, a crash, a timeout or an output flood is a Result, never an
// error. Run returns an error only when Docker or the harness failed (the
// daemon is unreachable, an image is missing, a container cannot start) or
// the context ended: callers retry those apart from program failures.
//
// A pass cannot be faked by exiting early: a Request with PassToken gets a
// fresh random token that its test driver (PythonProgram) must print after
// the last check, and exit status 0 without it is a failure.
//
// # Isolation
//
// Every run: no network, memory and swap capped together, pids and CPU
// capped, a read-only root filesystem with a sized tmpfs for /tmp and a
// small /dev/shm, no-new-privileges, Docker's default seccomp profile, an
// init process, no host environment and no Docker socket, stdin at EOF. Each
// container holds the runner (internal/runner), the only process with any
// capability; the program runs under its own non-zero uid with no
// capabilities, in its own folder, and is killed with SIGKILL at its
// deadline, along with every process of its uid, even those that called
// setsid().
//
// # Docker and Podman
//
// The daemon is any that speaks Docker's Engine API at Config.DockerHost
// (or DOCKER_HOST): Docker's, or Podman's service (`podman system
// service`), with the same client and the same guarantees; engine.go
// lists where Podman's answers differ and how each is handled.
//
// # Host folders
//
// Request.Mounts makes host folders visible inside the container, always
// read-only (a writable one would let untrusted code change the host and,
// in pool mode, carry one job's files to the next): say the host's Go
// module cache, so that a repository's dependencies resolve without
// network. Mount says which host folders and container paths are refused.
// The files keep their host owners and modes and the job has no
// capability to bypass them, so it reads only what everyone may read.
// For Go, mount the cache at /gomodcache and set GOMODCACHE=/gomodcache,
// GOPROXY=off and GOFLAGS=-mod=mod; a dependency missing from the cache
// then fails the build with "mkdir /gomodcache/cache/download/MODULE:
// read-only file system", and with no cache mounted (nor GOMODCACHE set)
// with "module lookup disabled by GOPROXY=off".
//
// The one way back out, besides stdout and stderr, is Request.Export: the
// Go build cache entries a job leaves in ExportDir come back as chunk
// lines after the job and before its cleanup, and the harness writes only
// well-formed cache entries (names, hashes, a size cap) into the host
// folder, by temporary file and rename, never through a link. Later runs
// mount that folder read-only as a layer of GoCacheProg; with
// Request.FixedDir they run in one folder, so their packages' cache keys
// match.
//
// # Modes
//
// ModePool (default) keeps a few warm containers per image, limits and
// set of mounts (mounts are fixed when a container is created) and
// streams jobs to their runners over a job socket (transport.go; the
// attached stream under runtimes that cannot reach it); after each job
// every process of the job's uid is killed and its files removed, and a
// container is retired after RecycleAfter jobs or any anomaly. ModeFresh
// starts a new container per run.
//
// # Leaks
//
// Every container is labelled with the owning harness process. New removes
// containers of owners that are gone, Close removes the Sandbox's own, and
// GC does either on demand.
package sandbox
