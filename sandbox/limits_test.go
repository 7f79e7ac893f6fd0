package sandbox

import (
	"testing"
	"time"
)

func TestParseByteSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want ByteSize
		err  bool
	}{
		{"256MiB", 256 * MiB, false},
		{"256m", 256 * MiB, false},
		{"1g", GiB, false},
		{"1GiB", GiB, false},
		{"512k", 512 * KiB, false},
		{"4096", 4096, false},
		{" 64 MB ", 64 * MiB, false},
		{"", 0, true},
		{"lots", 0, true},
		{"-1m", 0, true},
	}
	for _, tc := range tests {
		got, err := ParseByteSize(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ParseByteSize(%q) = %v, %v; want %v, err %v", tc.in, got, err, tc.want, tc.err)
		}
	}
	for _, b := range []ByteSize{256 * MiB, GiB, 3 * KiB, 1000} {
		back, err := ParseByteSize(b.String())
		if err != nil || back != b {
			t.Errorf("round trip of %d via %q gave %d, %v", b, b.String(), back, err)
		}
	}
}

func TestLimits(t *testing.T) {
	t.Parallel()
	l := Limits{Timeout: 3 * time.Second}.withDefaults()
	d := DefaultLimits()
	if l.Timeout != 3*time.Second || l.Memory != d.Memory || l.Pids != d.Pids || l.Output != d.Output {
		t.Errorf("withDefaults = %+v", l)
	}
	for _, bad := range []Limits{{Memory: MiB}, {Pids: 2}, {Tmpfs: 10}} {
		if bad.Validate() == nil {
			t.Errorf("%+v validated", bad)
		}
	}
	if err := d.Validate(); err != nil {
		t.Errorf("defaults invalid: %v", err)
	}
}

func TestCheckRelPath(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"a.py", "pkg/a.go", ".codetree_driver.py"} {
		if err := checkRelPath(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "/etc/passwd", "../x", "a/../../x", "./a", "a//b", ".."} {
		if checkRelPath(bad) == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestOwnerRoundTrip(t *testing.T) {
	t.Parallel()
	o := newOwner()
	if o.Start == 0 {
		t.Fatal("no process start time")
	}
	back, ok := parseOwner(o.String())
	if !ok || back != o {
		t.Fatalf("parseOwner(%q) = %+v, %v", o, back, ok)
	}
	if !o.alive(o.Host) {
		t.Error("this process is not alive")
	}
	dead := o
	dead.Start++
	if dead.alive(o.Host) {
		t.Error("a pid with another start time counts as alive")
	}
	if newOwner().Instance == o.Instance {
		t.Error("two Sandboxes of one process share an owner")
	}
	if _, ok := parseOwner("garbage"); ok {
		t.Error("garbage parsed")
	}
}
