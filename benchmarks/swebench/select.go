package swebench

import (
	"fmt"
	"slices"
	"strings"
)

// SelectInstances picks from all, in all's order, the instances ids names
// (every one when ids is empty), then the first limit of those (limit 0:
// no limit). An id that is not an instance is an error naming every such
// id.
func SelectInstances(all []Instance, ids []string, limit int) ([]Instance, error) {
	if limit < 0 {
		return nil, fmt.Errorf("limit %d: want 0 (no limit) or more", limit)
	}
	var unknown []string
	for _, id := range ids {
		if !slices.ContainsFunc(all, func(in Instance) bool { return in.InstanceID == id }) {
			unknown = append(unknown, id)
		}
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("no such instance: %s", strings.Join(unknown, ", "))
	}
	var out []Instance
	for _, in := range all {
		if len(ids) == 0 || slices.Contains(ids, in.InstanceID) {
			out = append(out, in)
		}
	}
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}
