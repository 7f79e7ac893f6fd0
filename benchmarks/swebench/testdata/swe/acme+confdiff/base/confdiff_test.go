package confdiff

import (
	"strings"
	"testing"
)

func TestChanged(t *testing.T) {
	a := Config{Name: "web", Port: 80, Tags: []string{"x"}}
	if Changed(a, a) {
		t.Error("a config changed from itself")
	}
	b := a
	b.Port = 8080
	if !Changed(a, b) {
		t.Error("a new port is not a change")
	}
}

func TestDiff(t *testing.T) {
	a := Config{Name: "web", Port: 80}
	b := Config{Name: "web", Port: 8080}
	if d := Diff(a, b); !strings.Contains(d, "8080") {
		t.Errorf("Diff = %q, want the new port", d)
	}
	if d := Diff(a, a); d != "" {
		t.Errorf("Diff of equal configs = %q", d)
	}
}
