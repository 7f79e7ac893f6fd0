package kvparse

import (
	"maps"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[string]string
	}{
		{"simple", "a=1;b=2", map[string]string{"a": "1", "b": "2"}},
		{"empty pair", "a=1;;b=2", map[string]string{"a": "1", "b": "2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.in)
			if err != nil || !maps.Equal(got, tt.want) {
				t.Errorf("Parse(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseError(t *testing.T) {
	if _, err := Parse("novalue"); err == nil {
		t.Error("no error for a pair without '='")
	}
}
