// A Go program, built and run in the Go image with a warm build cache.
package main

import "fmt"

func main() {
	fmt.Println("hello from Go in the sandbox")
}
