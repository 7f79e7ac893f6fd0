package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"
)

// slurmFlags are codetree slurm's own flags; every other flag goes to the
// sharded command.
var slurmFlags = []clusterFlag{
	{Name: "shards", Usage: "number of shards: array tasks 0 to N-1 (required)"},
	{Name: "partition", Usage: "sbatch --partition of every job (default: the cluster's default partition)"},
	{Name: "time", Usage: "sbatch --time of each task, such as 2:00:00 (default: the partition's limit)"},
	{Name: "cpus-per-task", Usage: "sbatch --cpus-per-task of each task (default: the cluster's, usually 1)"},
	{Name: "dry-run", Bool: true, Usage: "write the scripts and print how to submit them, without submitting"},
}

func slurmCommand() *cli.Command {
	var subs []*cli.Command
	for _, kind := range []string{"bench", "eval", "swe"} {
		subs = append(subs, &cli.Command{
			Name:      kind,
			Usage:     fmt.Sprintf("run codetree %s as a Slurm job array of --shards N tasks, then merge them", strings.Join(clusterKinds[kind].words, " ")),
			ArgsUsage: "--shards N [--partition P] [--time T] [--cpus-per-task C] [--dry-run] " + kind + "'s flags...",
			Description: "Writes OUT/slurm/array.sbatch (task I: check Docker and the sandbox images on its node,\n" +
				"then run shard I/N into OUT/shard-I-of-N) and OUT/slurm/merge.sbatch (codetree merge\n" +
				"into OUT, after every task ended well: afterok), submits both with sbatch and prints the\n" +
				"job ids. The scripts are plain files: read, edit and resubmit them at will. Each task\n" +
				"inherits the submitting shell's environment (sbatch's default): export OPENAI_API_KEY\n" +
				"and CODETREE_DATA_DIR there. Own flags:\n" + clusterFlagsHelp(slurmFlags),
			SkipFlagParsing: true,
			Action: func(c *cli.Context) error {
				job, err := newClusterJob(c.Context, kind, c.Args().Slice(), slurmFlags)
				if err != nil {
					return err
				}
				return runSlurm(c.Context, job, c.App.Writer)
			},
		})
	}
	return &cli.Command{
		Name:        "slurm",
		Usage:       "run bench, eval or swe run on a Slurm cluster: a job array of shards and a merge job",
		Subcommands: subs,
	}
}

// clusterFlagsHelp lists a scheduler's own flags for a Description.
func clusterFlagsHelp(flags []clusterFlag) string {
	var b strings.Builder
	for _, f := range flags {
		fmt.Fprintf(&b, "  --%-15s %s\n", f.Name, f.Usage)
	}
	return b.String()
}

// slurmScripts are the two sbatch scripts of a job.
type slurmScripts struct {
	Dir, Array, Merge string
}

// runSlurm writes the scripts and, unless --dry-run, submits them.
func runSlurm(ctx context.Context, j *clusterJob, w io.Writer) error {
	bin, err := codetreePath()
	if err != nil {
		return err
	}
	cwd, err := os.Getwd()
	if err != nil {
		return fmt.Errorf("working folder: %w", err)
	}
	s, err := writeSlurmScripts(j, bin, cwd)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "wrote %s (%d tasks) and %s\n", s.Array, j.Shards, s.Merge)
	if j.Own["dry-run"] == "true" {
		fmt.Fprintf(w, "submit them with:\n  id=$(sbatch --parsable %s) && sbatch --dependency=afterok:${id%%%%;*} %s\n", s.Array, s.Merge)
		return nil
	}
	arrayID, err := sbatch(ctx, s.Array)
	if err != nil {
		return err
	}
	mergeID, err := sbatch(ctx, "--dependency=afterok:"+arrayID, s.Merge)
	if err != nil {
		return fmt.Errorf("the array is job %s, but the merge job was not submitted (merge later with: sbatch %s): %w", arrayID, s.Merge, err)
	}
	fmt.Fprintf(w, "submitted: array job %s (%d tasks), merge job %s (runs when every task ended well)\n", arrayID, j.Shards, mergeID)
	fmt.Fprintf(w, "follow:    squeue -j %s,%s    sacct -j %s,%s (with accounting)    tail %s\n",
		arrayID, mergeID, arrayID, mergeID, filepath.Join(s.Dir, "shard-*.out"))
	fmt.Fprintf(w, "result:    %s (the merged run, with report.html), when job %s ends\n", j.Out, mergeID)
	fmt.Fprintf(w, "a task that failed or was cancelled: resubmit it with sbatch --array=I %s (it resumes its shard), then sbatch %s\n", s.Array, s.Merge)
	return nil
}

// sbatch submits a script and returns the job id.
func sbatch(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "sbatch", append([]string{"--parsable"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if _, lookErr := exec.LookPath("sbatch"); lookErr != nil {
			return "", fmt.Errorf("sbatch not found: run on a Slurm login node, or pass --dry-run to only write the scripts")
		}
		return "", fmt.Errorf("sbatch %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	id, _, _ := strings.Cut(strings.TrimSpace(string(out)), ";") // "ID;cluster" on federated clusters
	if id == "" {
		return "", fmt.Errorf("sbatch %s printed no job id", strings.Join(args, " "))
	}
	return id, nil
}

// writeSlurmScripts writes OUT/slurm/array.sbatch and merge.sbatch.
func writeSlurmScripts(j *clusterJob, bin, cwd string) (slurmScripts, error) {
	s := slurmScripts{Dir: filepath.Join(j.Out, "slurm")}
	s.Array, s.Merge = filepath.Join(s.Dir, "array.sbatch"), filepath.Join(s.Dir, "merge.sbatch")
	if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		return s, fmt.Errorf("create %s: %w", s.Dir, err)
	}
	if err := os.WriteFile(s.Array, []byte(slurmArrayScript(j, bin, cwd, s.Dir)), 0o755); err != nil {
		return s, fmt.Errorf("write the array script: %w", err)
	}
	if err := os.WriteFile(s.Merge, []byte(slurmMergeScript(j, bin, cwd, s.Dir)), 0o755); err != nil {
		return s, fmt.Errorf("write the merge script: %w", err)
	}
	return s, nil
}

// sbatchHeader is the #SBATCH lines every job of the run shares.
func sbatchHeader(j *clusterJob) string {
	var b strings.Builder
	for _, name := range []string{"partition", "time"} {
		if v := j.Own[name]; v != "" {
			fmt.Fprintf(&b, "#SBATCH --%s=%s\n", name, v)
		}
	}
	return b.String()
}

func slurmArrayScript(j *clusterJob, bin, cwd, logDir string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "#!/bin/bash\n# Written by codetree slurm %s: task I of this array runs shard I of %d into\n# %s/shard-I-of-%d. Edit at will; resubmit one task with sbatch --array=I %s.\n",
		j.Kind, j.Shards, j.Out, j.Shards, filepath.Join(logDir, "array.sbatch"))
	fmt.Fprintf(&b, "#SBATCH --job-name=codetree-%s\n#SBATCH --array=0-%d\n#SBATCH --output=%s\n", j.Kind, j.Shards-1, filepath.Join(logDir, "shard-%a.out"))
	b.WriteString(sbatchHeader(j))
	if v := j.Own["cpus-per-task"]; v != "" {
		fmt.Fprintf(&b, "#SBATCH --cpus-per-task=%s\n", v)
	}
	fmt.Fprintf(&b, "set -euo pipefail\ncd %s\n", shellQuote(cwd))
	fmt.Fprintf(&b, "echo \"codetree shard $SLURM_ARRAY_TASK_ID of %d on $(hostname) (job $SLURM_JOB_ID)\"\n", j.Shards)
	b.WriteString("# The node's Docker (or Podman, through DOCKER_HOST) must answer and hold the\n# sandbox images: images build checks both, and builds an image only if missing.\n")
	fmt.Fprintf(&b, "%s\n", shellLine(append([]string{bin, "images", "build", "--quiet"}, clusterKinds[j.Kind].images...)))
	fmt.Fprintf(&b, "exec %s\n", shellLine(j.taskCommand(bin)))
	return b.String()
}

func slurmMergeScript(j *clusterJob, bin, cwd, logDir string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "#!/bin/bash\n# Written by codetree slurm %s: merges the %d shards into %s once every\n# task of the array ended well (submitted with --dependency=afterok:ARRAY).\n", j.Kind, j.Shards, j.Out)
	fmt.Fprintf(&b, "#SBATCH --job-name=codetree-%s-merge\n#SBATCH --output=%s\n#SBATCH --kill-on-invalid-dep=yes\n", j.Kind, filepath.Join(logDir, "merge.out"))
	b.WriteString(sbatchHeader(j))
	fmt.Fprintf(&b, "set -euo pipefail\ncd %s\nexec %s\n", shellQuote(cwd), shellLine(j.mergeCommandLine(bin)))
	return b.String()
}
