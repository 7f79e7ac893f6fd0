// Package strutil holds small string helpers.
package strutil

import "strings"

// Reverse returns s with its characters in reverse order.
func Reverse(s string) string {
	b := []byte(s)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

// Shout upper-cases s and adds an exclamation mark.
func Shout(s string) string {
	return strings.ToUpper(s) + "!"
}
