// Package kvparse reads "key=value;key=value" strings.
package kvparse

import (
	"fmt"
	"strings"
)

// Parse reads pairs separated by ';'. Empty pairs are ignored.
func Parse(s string) (map[string]string, error) {
	out := make(map[string]string)
	for _, pair := range strings.Split(s, ";") {
		if pair == "" {
			continue
		}
		k, v, ok := strings.Cut(pair, "=")
		if !ok {
			return nil, fmt.Errorf("pair %q has no '='", pair)
		}
		out[k] = v
	}
	return out, nil
}
