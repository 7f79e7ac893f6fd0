package main

import (
	"context"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/codetree/codetree/sandbox"
)

// sandboxFlags are the flags of every command that runs code.
func sandboxFlags() []cli.Flag { return sandboxFlagsFor(sandbox.DefaultLimits()) }

// sandboxFlagsFor are the sandbox flags with d as the limits' defaults.
func sandboxFlagsFor(d sandbox.Limits) []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "mode", Value: "pool", Usage: "sandbox mode: pool (warm containers, fast) or fresh (a new container per run)", EnvVars: []string{"CODETREE_SANDBOX_MODE"}},
		&cli.StringFlag{Name: "image", Usage: "sandbox image to use instead of the built-in one for the language"},
		&cli.DurationFlag{Name: "timeout", Value: d.Timeout, Usage: "wall-clock limit per run"},
		&cli.StringFlag{Name: "memory", Value: d.Memory.String(), Usage: "memory limit per run (memory + swap)"},
		&cli.Float64Flag{Name: "cpus", Value: d.CPUs, Usage: "CPUs per run"},
		&cli.Int64Flag{Name: "pids", Value: d.Pids, Usage: "process and thread limit per run"},
		&cli.StringFlag{Name: "tmpfs", Value: d.Tmpfs.String(), Usage: "size of the writable /tmp per run"},
		&cli.StringFlag{Name: "output-limit", Value: d.Output.String(), Usage: "cap on each of stdout and stderr per run"},
		&cli.IntFlag{Name: "pool-size", Usage: "containers per pool (default: number of CPUs)"},
		runtimeFlag(),
	}
}

// runtimeFlag chooses the OCI runtime of the sandbox containers.
func runtimeFlag() cli.Flag {
	return &cli.StringFlag{
		Name: "runtime",
		Usage: "OCI runtime of the sandbox containers: Docker's default (runc) when empty, or " + sandbox.RuntimeGVisor +
			" (gVisor: a user-space kernel between programs and the host's, for shared hosts and untrusted models; slower to start and at system calls; make gvisor installs and registers it)",
		EnvVars: []string{"CODETREE_RUNTIME"},
	}
}

// limitsFrom reads the limit flags.
func limitsFrom(c *cli.Context) (sandbox.Limits, error) {
	l := sandbox.Limits{Timeout: c.Duration("timeout"), CPUs: c.Float64("cpus"), Pids: c.Int64("pids")}
	for _, f := range []struct {
		name string
		dst  *sandbox.ByteSize
	}{{"memory", &l.Memory}, {"tmpfs", &l.Tmpfs}, {"output-limit", &l.Output}} {
		v, err := sandbox.ParseByteSize(c.String(f.name))
		if err != nil {
			return l, usageErrorf("--%s: %v", f.name, err)
		}
		*f.dst = v
	}
	if l.Timeout <= 0 || l.Timeout > 24*time.Hour {
		return l, usageErrorf("--timeout %s: want a positive duration such as 3s", l.Timeout)
	}
	if err := l.Validate(); err != nil {
		return l, usageError{err}
	}
	return l, nil
}

// openSandbox connects to Docker with the sandbox flags.
func openSandbox(ctx context.Context, c *cli.Context) (*sandbox.Sandbox, error) {
	cfg, err := sandboxConfigFrom(c)
	if err != nil {
		return nil, err
	}
	return sandbox.New(ctx, cfg)
}

// sandboxConfigFrom reads the sandbox flags other than the limits.
func sandboxConfigFrom(c *cli.Context) (sandbox.Config, error) {
	mode, err := sandbox.ParseMode(c.String("mode"))
	if err != nil {
		return sandbox.Config{}, usageErrorf("--mode: %v", err)
	}
	return sandbox.Config{DockerHost: c.String("docker-host"), Mode: mode, PoolSize: c.Int("pool-size"), Runtime: c.String("runtime")}, nil
}

// closeSandbox removes the sandbox's containers even after Ctrl-C.
func closeSandbox(ctx context.Context, sb *sandbox.Sandbox) {
	_ = sb.Close(context.WithoutCancel(ctx))
}
