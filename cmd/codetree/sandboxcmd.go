package main

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

func sandboxCommand() *cli.Command {
	return &cli.Command{
		Name:  "sandbox",
		Usage: "manage and measure the sandbox",
		Subcommands: []*cli.Command{
			{
				Name:  "gc",
				Usage: "remove sandbox containers left behind by codetree processes that are gone",
				Flags: []cli.Flag{
					&cli.BoolFlag{Name: "all", Usage: "remove every codetree container, even those of running codetree processes"},
				},
				Action: func(c *cli.Context) error {
					sb, err := openSandbox(c.Context, c)
					if err != nil {
						return err
					}
					defer closeSandbox(c.Context, sb)
					n, err := sb.GC(c.Context, c.Bool("all"))
					fmt.Fprintf(c.App.Writer, "removed %d sandbox container(s)\n", n)
					return err
				},
			},
			sandboxBenchCommand(),
		},
	}
}
