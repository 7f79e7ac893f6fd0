// Package runner is the small program that runs inside every sandbox
// container. The harness bind-mounts the codetree binary read-only at
// MountPath and starts it with ArgRunner; the runner then reads Jobs, one
// JSON line each, from its standard input (the container's attached stream)
// or, with -socket, from a unix socket the harness listens on (serveMain),
// runs each job as its own process under its own unprivileged uid in its own
// temporary folder, and writes one Report per job on its standard output
// (or the socket), with the time each phase took (Phases).
//
// After every job the runner kills every process of the job's uid, removes
// every file the uid owns under the writable mounts, and reports whether
// that left the container clean; the harness recycles a container after any
// anomaly. The runner itself is the only process in the container that
// holds capabilities (SETUID, SETGID, KILL, CHOWN, DAC_OVERRIDE, FOWNER,
// SYS_NICE); jobs run with none.
//
// What a Report guarantees:
//   - Exactly one Report per Job line, in order, with the Job's ID (a line
//     that is not a Job gets a Report with the ID it carried, if any).
//   - Started false: nothing ran. StartError alone means the job's fault
//     (bad file name, command not found or not executable); StartError
//     with Anomaly means the runner's.
//   - TimedOut, OutputExceeded: the runner killed the job for that reason.
//     OOMKilled: the container's OOM kill counter rose during the job.
//   - Clean: no process of the job's uid is left, and its folder, its files
//     in the scrub folders and its SysV IPC objects are gone.
//   - Anomaly: anything the runner itself got wrong or found odd. A runner
//     failure never ends the runner; it becomes an Anomaly.
//
// Jobs run in a new session, with stdin at /dev/null, no supplementary
// groups, RLIMIT_CORE 0, nice 0 until the runner kills them (then nice
// JobNice, so that the runner keeps the CPU it needs to kill a fork bomb)
// and oom_score_adj 1000. If the runner
// dies, the main process gets SIGKILL (and in a container docker-init
// exits with the runner, which ends every other process).
package runner
