// Command codetree is the CLI of the codetree harness.
package main

import "os"

func main() { os.Exit(Main()) }
