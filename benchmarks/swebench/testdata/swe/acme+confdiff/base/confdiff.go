// Package confdiff compares service configurations.
package confdiff

import "github.com/google/go-cmp/cmp"

// Config is a service's configuration.
type Config struct {
	Name string
	Port int
	Tags []string
}

// Changed reports whether b differs from a. The order of Tags does not
// matter.
func Changed(a, b Config) bool {
	return !cmp.Equal(a, b)
}

// Diff describes how b differs from a, or is "" when they are equal.
func Diff(a, b Config) string {
	return cmp.Diff(a, b)
}
