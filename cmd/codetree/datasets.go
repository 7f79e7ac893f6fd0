package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/codetree/codetree/benchmarks"
)

// datasetsOptions are codetree datasets' flags, read.
type datasetsOptions struct {
	// Names prints only the names, one a line; Gold keeps only the
	// datasets of the gold check (make gold).
	Names, Gold bool
	DataDir     string // --data-dir as given; empty: the user cache folder
	Out         io.Writer
}

func datasetsCommand() *cli.Command { return newDatasetsCommand(nil) }

// newDatasetsCommand returns the datasets command; runF, when not nil, is
// run with the options in place of runDatasets.
func newDatasetsCommand(runF func(context.Context, *datasetsOptions) error) *cli.Command {
	if runF == nil {
		runF = runDatasets
	}
	return &cli.Command{
		Name:  "datasets",
		Usage: "list the datasets: names, aliases, problems, visible-test policies, files",
		Description: "Lists the table of datasets (benchmarks.DatasetSpecs). PROBLEMS is counted from the files\n" +
			"in the data folder, which are checked and never downloaded here; \"-\" when they are not\n" +
			"there. --gold --names prints the datasets make gold scores.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "names", Usage: "print only the names, one a line"},
			&cli.BoolFlag{Name: "gold", Usage: "only the datasets of the gold check (make gold)"},
			&cli.StringFlag{Name: "data-dir", Usage: "folder of the dataset files (default: the user cache folder)", EnvVars: []string{"CODETREE_DATA_DIR"}},
		},
		Action: func(c *cli.Context) error {
			return runF(c.Context, &datasetsOptions{
				Names: c.Bool("names"), Gold: c.Bool("gold"), DataDir: c.String("data-dir"), Out: c.App.Writer,
			})
		},
	}
}

// runDatasets prints the table of datasets, or their names.
func runDatasets(ctx context.Context, o *datasetsOptions) error {
	specs := benchmarks.DatasetSpecs()
	if o.Gold {
		specs = slices.DeleteFunc(specs, func(s benchmarks.DatasetSpec) bool { return !s.Gold })
	}
	if o.Names {
		for _, s := range specs {
			fmt.Fprintln(o.Out, s.Name)
		}
		return nil
	}
	dataDir, err := resolveDataDir(o.DataDir)
	if err != nil {
		dataDir = "" // no data folder: every count is "-"
	}
	tw := tabwriter.NewWriter(o.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tALIASES\tPROBLEMS\tPOLICIES (DEFAULT FIRST)\tGOLD\tFILES")
	missing := false
	for _, s := range specs {
		n := "-"
		if dataDir != "" {
			if ps, err := benchmarks.Load(ctx, s.Name, benchmarks.LoadOptions{DataDir: dataDir, Offline: true}); err == nil {
				n = strconv.Itoa(len(ps))
			}
		}
		missing = missing || n == "-"
		var policies, files []string
		for _, p := range s.Policies {
			policies = append(policies, string(p))
		}
		for _, f := range s.Files() {
			files = append(files, f.Path)
		}
		aliases, gold := strings.Join(s.Aliases, ", "), "no"
		if aliases == "" {
			aliases = "-"
		}
		if s.Gold {
			gold = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", s.Name, aliases, n, strings.Join(policies, ", "), gold, strings.Join(files, ", "))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	if missing {
		fmt.Fprintf(o.Out, "-: files not in %s (or not the pinned ones); codetree eval and bench download them\n", dataDir)
	}
	return nil
}
