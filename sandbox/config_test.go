package sandbox

import (
	"slices"
	"testing"

	"github.com/docker/docker/api/types/mount"

	"github.com/codetree/codetree/internal/runner"
)

// TestContainerHardening pins the isolation profile of every container.
func TestContainerHardening(t *testing.T) {
	t.Parallel()
	s := newSandbox(nil, Config{}.withDefaults(), "/opt/codetree")
	l := Limits{Memory: 256 * MiB, Pids: 64, CPUs: 1.5, Tmpfs: 64 * MiB}.withDefaults()
	cfg, host := s.containerConfig(boxSpec{image: "img", need: []string{"python3"}, limits: l, mode: ModePool})

	if len(cfg.Env) != 0 {
		t.Errorf("container env %v: the harness's environment must never be passed", cfg.Env)
	}
	if !cfg.NetworkDisabled || host.NetworkMode != "none" {
		t.Error("network not disabled")
	}
	if !host.ReadonlyRootfs {
		t.Error("root filesystem writable")
	}
	if !slices.Equal(host.CapDrop, []string{"ALL"}) {
		t.Errorf("CapDrop %v", host.CapDrop)
	}
	for _, c := range host.CapAdd {
		if !slices.Contains([]string{"SETUID", "SETGID", "KILL", "CHOWN", "DAC_OVERRIDE", "FOWNER", "SYS_NICE"}, c) {
			t.Errorf("unexpected capability %s", c)
		}
	}
	if !slices.Contains(host.SecurityOpt, "no-new-privileges") {
		t.Error("no-new-privileges missing")
	}
	for _, o := range host.SecurityOpt {
		if o == "seccomp=unconfined" || o == "apparmor=unconfined" {
			t.Errorf("security option %s", o)
		}
	}
	if host.Init == nil || !*host.Init {
		t.Error("no init process")
	}
	if host.Privileged || host.PidMode != "" || host.IpcMode == "host" {
		t.Error("host namespaces shared")
	}
	r := host.Resources
	if r.Memory != int64(256*MiB) || r.MemorySwap != r.Memory {
		t.Errorf("memory %d swap %d", r.Memory, r.MemorySwap)
	}
	if r.PidsLimit == nil || *r.PidsLimit != 64 {
		t.Errorf("pids limit %v", r.PidsLimit)
	}
	if r.NanoCPUs != 1.5e9 {
		t.Errorf("nano cpus %d", r.NanoCPUs)
	}
	if host.Tmpfs["/tmp"] != "rw,exec,nosuid,nodev,size=67108864,mode=1777" {
		t.Errorf("tmpfs %q", host.Tmpfs["/tmp"])
	}
	if len(host.Binds) != 0 || len(host.Mounts) != 1 {
		t.Fatalf("mounts %v binds %v: only the runner may be mounted", host.Mounts, host.Binds)
	}
	m := host.Mounts[0]
	if m.Type != mount.TypeBind || !m.ReadOnly || m.Target != runner.MountPath || m.Source != "/opt/codetree" {
		t.Errorf("runner mount %+v", m)
	}
	if host.LogConfig.Type != "none" {
		t.Errorf("log driver %q", host.LogConfig.Type)
	}
	if cfg.Labels[labelManaged] != "true" || cfg.Labels[labelOwner] != s.owner.String() {
		t.Errorf("labels %v", cfg.Labels)
	}
}
