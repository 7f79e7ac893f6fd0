package main

import "testing"

// TestBenchTargetRows: each target's rows are told apart by name, runtime
// and engine; Docker's runc rows keep their plain names.
func TestBenchTargetRows(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		tgt             benchTarget
		suffix, rt, eng string
	}{
		{benchTarget{runtime: "runc"}, "", "runc", ""},
		{benchTarget{runtime: "runsc"}, " (runsc)", "runsc", ""},
		{benchTarget{host: "unix:///run/podman/podman.sock", podman: true}, " (podman)", "default", "podman"},
	} {
		var r benchRow
		tt.tgt.mark(&r)
		if got := tt.tgt.suffix(); got != tt.suffix || r.Runtime != tt.rt || r.Engine != tt.eng {
			t.Errorf("%+v: suffix %q runtime %q engine %q, want %q %q %q", tt.tgt, got, r.Runtime, r.Engine, tt.suffix, tt.rt, tt.eng)
		}
	}
}
