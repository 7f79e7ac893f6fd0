package main

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/codetree/codetree/sandbox"
)

// imagesCommand builds and lists the sandbox images.
func imagesCommand() *cli.Command {
	return &cli.Command{
		Name:  "images",
		Usage: "build or list the sandbox images (no registry needed)",
		Subcommands: []*cli.Command{
			{
				Name:      "build",
				Usage:     "build the sandbox image of each language (as root, with mmdebstrap)",
				ArgsUsage: "[python|go|all]...",
				Description: "Builds Debian bookworm images from the host's apt mirror with mmdebstrap (or debootstrap)\n" +
					"and imports them into Docker; the Go image carries the host's Go toolchain and a warm build\n" +
					"cache. An image is tagged codetree-LANG:HASH after its recipe and is not rebuilt while that\n" +
					"tag exists (unless --force).",
				Flags: []cli.Flag{
					&cli.BoolFlag{Name: "force", Usage: "rebuild even when the image of the current recipe exists"},
					&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "do not show the build tools' output"},
					&cli.StringFlag{Name: "mirror", Usage: "Debian mirror URL (default: the one in the host's apt sources)"},
				},
				Action: runImagesBuild,
			},
			{
				Name:  "list",
				Usage: "list the sandbox images on the Docker daemon",
				Flags: []cli.Flag{
					&cli.BoolFlag{Name: "names", Usage: "print only the tags of the images of the current recipes, one a line (for scripts: make podman)"},
				},
				Action: runImagesList,
			},
		},
	}
}

// imageLangs reads the languages named on the command line ("all" or
// nothing: every language).
func imageLangs(args []string) ([]sandbox.Lang, error) {
	if len(args) == 0 {
		return sandbox.Langs(), nil
	}
	var out []sandbox.Lang
	for _, a := range args {
		if strings.EqualFold(a, "all") {
			return sandbox.Langs(), nil
		}
		l, err := sandbox.ParseLang(a)
		if err != nil {
			return nil, usageErrorf("images build: %v (or all)", err)
		}
		out = append(out, l)
	}
	return out, nil
}

func runImagesBuild(c *cli.Context) error {
	langs, err := imageLangs(c.Args().Slice())
	if err != nil {
		return err
	}
	ctx := c.Context
	b, err := sandbox.NewImageBuilder(ctx, c.String("docker-host"), slog.Default())
	if err != nil {
		return err
	}
	defer b.Close()
	opts := sandbox.BuildOptions{Force: c.Bool("force"), Mirror: c.String("mirror")}
	if !c.Bool("quiet") {
		opts.Progress = c.App.ErrWriter
	}
	out := c.App.Writer
	for _, lang := range langs {
		start := time.Now()
		info, err := b.Build(ctx, lang, opts)
		if err != nil {
			return fmt.Errorf("build %s image: %w", lang, err)
		}
		what := "already present"
		if info.Built {
			what = "built"
		}
		fmt.Fprintf(out, "%-7s %s  %s in %s (%.0f MB)\n", lang, info.Tag, what, time.Since(start).Round(time.Millisecond), float64(info.Size)/1e6)
	}
	return nil
}

func runImagesList(c *cli.Context) error {
	ctx := c.Context
	b, err := sandbox.NewImageBuilder(ctx, c.String("docker-host"), slog.Default())
	if err != nil {
		return err
	}
	defer b.Close()
	list, err := b.List(ctx)
	if err != nil {
		return err
	}
	if c.Bool("names") {
		for _, im := range list {
			if im.Current && im.Tag != "" {
				fmt.Fprintln(c.App.Writer, im.Tag)
			}
		}
		return nil
	}
	return writeImageTable(c.App.Writer, list, time.Now())
}

func writeImageTable(w io.Writer, list []sandbox.ImageInfo, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TAG\tLANG\tSIZE\tCREATED\tCURRENT")
	for _, im := range list {
		tag := im.Tag
		if tag == "" {
			id := strings.TrimPrefix(im.ID, "sha256:")
			tag = "<untagged> " + id[:min(12, len(id))]
		}
		current := "no"
		if im.Current {
			current = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%.0fMB\t%s\t%s\n", tag, im.Lang, float64(im.Size)/1e6, imageAge(now, im.Created), current)
	}
	return tw.Flush()
}

// imageAge says how long before now t was, coarsely.
func imageAge(now, t time.Time) string {
	if t.IsZero() {
		return "?"
	}
	d := now.Sub(t)
	n, unit := 0, ""
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		n, unit = int(d.Minutes()), "minute"
	case d < 48*time.Hour:
		n, unit = int(d.Hours()), "hour"
	default:
		n, unit = int(d.Hours()/24), "day"
	}
	if n != 1 {
		unit += "s"
	}
	return fmt.Sprintf("%d %s ago", n, unit)
}
